/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ut_core.h -- helpers shared by the tests of the core mapping API: sets,
 * file parts, reservations, an event recorder, snapshots of the part maps
 * and of the process's mappings.
 */

#ifndef PMEMSET_UT_CORE_H
#define PMEMSET_UT_CORE_H 1

#include <sys/mman.h>

#include "ut.h"

#define KiB ((size_t)1024)
#define MiB (KiB * 1024)

static inline size_t
ut_pagesize(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* ut_config -- a config with PAGE granularity and optional callback/rsv */
static inline struct pmemset_config *
ut_config(pmemset_event_callback *cb, void *arg,
	  struct pmem2_vm_reservation *rsv)
{
	struct pmemset_config *cfg;
	UT_OK(pmemset_config_new(&cfg));
	UT_OK(pmemset_config_set_required_store_granularity(
		cfg, PMEM2_GRANULARITY_PAGE));
	if (cb)
		pmemset_config_set_event_callback(cfg, cb, arg);
	if (rsv)
		pmemset_config_set_reservation(cfg, rsv);
	return cfg;
}

/* ut_set -- a new set of PAGE granularity (config deleted at once) */
static inline struct pmemset *
ut_set(pmemset_event_callback *cb, void *arg, struct pmem2_vm_reservation *rsv)
{
	struct pmemset_config *cfg = ut_config(cb, arg, rsv);
	struct pmemset *set;
	UT_OK(pmemset_new(&set, cfg));
	UT_OK(pmemset_config_delete(&cfg));
	return set;
}

/* ut_source -- a file source over a new file of size bytes filled with c */
static inline struct pmemset_source *
ut_source(const char *name, size_t size, int c)
{
	const char *path = ut_path(name);
	ut_file(path, size, c);
	struct pmemset_source *src;
	UT_OK(pmemset_source_from_file(&src, path));
	return src;
}

/* ut_map -- map [off, off+len) of src, return the descriptor */
static inline int
ut_map_range(struct pmemset *set, struct pmemset_source *src, size_t off,
	     size_t len, struct pmemset_part_descriptor *desc)
{
	struct pmemset_map_config *mc;
	UT_OK(pmemset_map_config_new(&mc));
	UT_OK(pmemset_map_config_set_offset(mc, off));
	pmemset_map_config_set_length(mc, len);
	int ret = pmemset_map(set, src, mc, desc);
	UT_OK(pmemset_map_config_delete(&mc));
	return ret;
}

/* ut_map -- as ut_map_range, must succeed; returns the part map's address */
static inline char *
ut_map(struct pmemset *set, struct pmemset_source *src, size_t off, size_t len)
{
	struct pmemset_part_descriptor d;
	UT_OK(ut_map_range(set, src, off, len, &d));
	return d.addr;
}

/* ut_rsv -- a caller reservation of size bytes */
static inline struct pmem2_vm_reservation *
ut_rsv(size_t size, char **base)
{
	struct pmem2_vm_reservation *rsv;
	if (pmem2_vm_reservation_new(&rsv, NULL, size) != 0)
		UT_FAIL("pmem2_vm_reservation_new: %s", pmem2_errormsg());
	*base = pmem2_vm_reservation_get_address(rsv);
	return rsv;
}

/* ut_is_mapped -- whether the page at addr belongs to any mapping */
static inline int
ut_is_mapped(const void *addr)
{
	uintptr_t a = (uintptr_t)addr & ~(uintptr_t)(ut_pagesize() - 1);
	if (msync((void *)a, ut_pagesize(), MS_ASYNC) == 0)
		return 1;
	if (errno != ENOMEM)
		UT_FAIL("msync: %s", strerror(errno));
	return 0;
}

/*
 * ut_maps_line -- the /proc/self/maps line of the mapping holding addr
 * (copied to line, at most len bytes); 0 if none
 */
static inline int
ut_maps_line(const void *addr, char *line, size_t len)
{
	FILE *f = fopen("/proc/self/maps", "r");
	UT_ASSERT(f != NULL);
	char buf[4096];
	int found = 0;
	while (!found && fgets(buf, sizeof(buf), f)) {
		unsigned long lo, hi;
		if (sscanf(buf, "%lx-%lx", &lo, &hi) != 2)
			continue;
		if ((uintptr_t)addr >= lo && (uintptr_t)addr < hi) {
			snprintf(line, len, "%s", buf);
			found = 1;
		}
	}
	fclose(f);
	return found;
}

/*
 * ut_is_accessible -- whether addr is in a mapping with some access (a
 * part); a bare reservation (no access) or no mapping at all is not
 */
static inline int
ut_is_accessible(const void *addr)
{
	char line[4096];
	if (!ut_maps_line(addr, line, sizeof(line)))
		return 0;
	return strstr(line, " ---p ") == NULL;
}

/*
 * ut_maps_ours -- the number of mappings of files in the scratch directory
 * (the test's own files, temporary ones included). The total line count
 * of /proc/self/maps is not stable under sanitizers, which map memory of
 * their own as the test runs; reservations are checked by address.
 */
static inline size_t
ut_maps_ours(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	UT_ASSERT(f != NULL);
	const char *dir = ut_dir();
	size_t dlen = strlen(dir);
	char line[4096];
	size_t n = 0;
	while (fgets(line, sizeof(line), f)) {
		const char *path = strchr(line, '/');
		n += path && strncmp(path, dir, dlen) == 0 && path[dlen] == '/';
	}
	fclose(f);
	return n;
}

/* an event recorder: the callback copies every context it is given */
#define UT_EVENTS_MAX 256

struct ut_events {
	int n;
	struct pmemset *set[UT_EVENTS_MAX];
	struct pmemset_event_context ctx[UT_EVENTS_MAX];
};

static inline int
ut_record(struct pmemset *set, struct pmemset_event_context *ctx, void *arg)
{
	struct ut_events *ev = arg;
	if (ev->n >= UT_EVENTS_MAX)
		UT_FAIL("too many events");
	ev->set[ev->n] = set;
	ev->ctx[ev->n++] = *ctx;
	return 0;
}

/* a snapshot of the part maps of a set, taken by iteration */
#define UT_SNAP_MAX 64

struct ut_snap {
	int n;
	struct pmemset_part_descriptor d[UT_SNAP_MAX];
};

static inline void
ut_snap(struct pmemset *set, struct ut_snap *s)
{
	struct pmemset_part_map *p, *next;
	s->n = 0;
	pmemset_first_part_map(set, &p);
	while (p) {
		UT_ASSERT(s->n < UT_SNAP_MAX);
		s->d[s->n++] = pmemset_descriptor_part_map(p);
		pmemset_next_part_map(set, p, &next);
		pmemset_part_map_drop(&p);
		UT_ASSERT(p == NULL);
		p = next;
	}
}

static inline void
ut_snap_eq(const struct ut_snap *a, const struct ut_snap *b)
{
	UT_ASSERTeq(a->n, b->n);
	for (int i = 0; i < a->n; i++) {
		UT_ASSERTeq(a->d[i].addr, b->d[i].addr);
		UT_ASSERTeq(a->d[i].size, b->d[i].size);
	}
}

/* ut_pmap -- the part map holding addr (referenced); must exist */
static inline struct pmemset_part_map *
ut_pmap(struct pmemset *set, void *addr)
{
	struct pmemset_part_map *p;
	UT_OK(pmemset_part_map_by_address(set, &p, addr));
	UT_ASSERT(p != NULL);
	return p;
}

#endif /* PMEMSET_UT_CORE_H */
