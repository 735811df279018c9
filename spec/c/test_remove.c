/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_remove.c -- pmemset_remove_part_map and pmemset_remove_range: whole
 * parts, splits, references, failures that change nothing (contract §3.4,
 * §3.5).
 */

#include "ut_core.h"

#define P (64 * KiB)

static void
remove_part_map(void)
{
	struct pmemset *set = ut_set(NULL, NULL, NULL);
	struct pmemset_source *src = ut_source("rpm", 2 * P, 'r');
	char *a = ut_map(set, src, 0, 2 * P);
	char *b = ut_map(set, src, 0, P);
	struct pmemset_part_map *p = ut_pmap(set, a + P);
	UT_OK(pmemset_remove_part_map(set, &p));
	UT_ASSERT(p == NULL);
	UT_ASSERT(!ut_is_accessible(a));
	UT_ASSERT(!ut_is_accessible(a + 2 * P - 1));
	UT_ASSERTeq(b[0], 'r');
	struct ut_snap s;
	ut_snap(set, &s);
	UT_ASSERTeq(s.n, 1);
	UT_ASSERTeq(s.d[0].addr, b);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
}

static void
remove_part_map_errors(void)
{
	struct pmemset *s1 = ut_set(NULL, NULL, NULL);
	struct pmemset *s2 = ut_set(NULL, NULL, NULL);
	struct pmemset_source *src = ut_source("rpmerr", P, 'e');
	char *a = ut_map(s1, src, 0, P);
	ut_map(s2, src, 0, P);

	/* a handle of another set: not found, caller keeps it */
	struct pmemset_part_map *p = ut_pmap(s1, a);
	struct pmemset_part_map *keep = p;
	UT_ERR(pmemset_remove_part_map(s2, &p), PMEMSET_E_PART_NOT_FOUND);
	UT_ASSERT(p == keep);
	struct ut_snap s;
	ut_snap(s2, &s);
	UT_ASSERTeq(s.n, 1);

	/* two references: possible use after drop, nothing changes */
	struct pmemset_part_map *q = ut_pmap(s1, a);
	UT_ERR(pmemset_remove_part_map(s1, &p),
	       PMEMSET_E_PART_MAP_POSSIBLE_USE_AFTER_DROP);
	UT_ASSERT(p == keep);
	UT_ASSERTeq(a[0], 'e');
	pmemset_part_map_drop(&q);
	UT_ASSERT(q == NULL);
	UT_OK(pmemset_remove_part_map(s1, &p));
	UT_ASSERT(!ut_is_accessible(a));

	/* the set may now be emptied and used again */
	ut_snap(s1, &s);
	UT_ASSERTeq(s.n, 0);
	UT_ASSERT(ut_map(s1, src, 0, P) != NULL);
	UT_OK(pmemset_delete(&s1));
	UT_OK(pmemset_delete(&s2));
	UT_OK(pmemset_source_delete(&src));
}

/* five coalesced parts, two removed from the middle: three part maps */
static void
remove_range_splits(void)
{
	char *base;
	struct pmem2_vm_reservation *rsv = ut_rsv(5 * P, &base);
	struct pmemset *set = ut_set(NULL, NULL, rsv);
	const char *path = ut_path("split");
	ut_file(path, 5 * P, 0);
	int fd = open(path, O_RDWR);
	for (int i = 0; i < 5; i++) {
		char page[P];
		memset(page, '0' + i, P);
		UT_ASSERTeq(pwrite(fd, page, P, (off_t)i * P), P);
	}
	close(fd);
	struct pmemset_source *src;
	UT_OK(pmemset_source_from_file(&src, path));
	UT_OK(pmemset_set_contiguous_part_coalescing(set,
						     PMEMSET_COALESCING_FULL));
	for (int i = 0; i < 5; i++)
		ut_map(set, src, (size_t)i * P, P);
	struct ut_snap s;
	ut_snap(set, &s);
	UT_ASSERTeq(s.n, 1);
	UT_ASSERTeq(s.d[0].size, 5 * P);

	UT_OK(pmemset_remove_range(set, base + P, P));
	UT_OK(pmemset_remove_range(set, base + 3 * P, P));
	ut_snap(set, &s);
	UT_ASSERTeq(s.n, 3);
	for (int i = 0; i < 3; i++) {
		UT_ASSERTeq(s.d[i].addr, base + 2 * i * P);
		UT_ASSERTeq(s.d[i].size, P);
		UT_ASSERTeq(base[2 * i * P], '0' + 2 * i);
	}
	/* the holes are back to the caller's reservation: no access */
	char line[4096];
	UT_ASSERT(ut_maps_line(base + P, line, sizeof(line)));
	UT_ASSERT(strstr(line, " ---p ") != NULL);
	UT_ASSERT(ut_maps_line(base + 3 * P, line, sizeof(line)));
	UT_ASSERT(strstr(line, " ---p ") != NULL);

	/* the new upper pieces are real part maps, removable on their own */
	struct pmemset_part_map *p = ut_pmap(set, base + 4 * P);
	UT_OK(pmemset_remove_part_map(set, &p));
	ut_snap(set, &s);
	UT_ASSERTeq(s.n, 2);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
	pmem2_vm_reservation_delete(&rsv);
	unlink(path);
}

/* a range touching a part by one byte removes the whole part */
static void
remove_range_whole_parts(void)
{
	char *base;
	struct pmem2_vm_reservation *rsv = ut_rsv(8 * P, &base);
	struct pmemset *set = ut_set(NULL, NULL, rsv);
	struct pmemset_source *src = ut_source("whole", P, 'w');
	UT_OK(pmemset_set_contiguous_part_coalescing(set,
						     PMEMSET_COALESCING_FULL));
	for (int i = 0; i < 5; i++)
		ut_map(set, src, 0, P);

	/* one byte inside the middle part */
	UT_OK(pmemset_remove_range(set, base + 2 * P + 100, 1));
	struct ut_snap s;
	ut_snap(set, &s);
	UT_ASSERTeq(s.n, 2);
	UT_ASSERTeq(s.d[0].size, 2 * P);
	UT_ASSERTeq(s.d[1].addr, base + 3 * P);
	UT_ASSERTeq(s.d[1].size, 2 * P);

	/* last byte of part 0 and first of part 1: both go (front run) */
	UT_OK(pmemset_remove_range(set, base + P - 1, 2));
	ut_snap(set, &s);
	UT_ASSERTeq(s.n, 1);
	UT_ASSERTeq(s.d[0].addr, base + 3 * P);

	/* a range from a gap into a part: the part goes */
	UT_OK(pmemset_remove_range(set, base, 3 * P + 1));
	ut_snap(set, &s);
	UT_ASSERTeq(s.n, 1);
	UT_ASSERTeq(s.d[0].addr, base + 4 * P);
	UT_ASSERTeq(s.d[0].size, P);

	/* a range spanning several part maps removes them all */
	ut_map(set, src, 0, P); /* FULL: joins at 5P */
	UT_OK(pmemset_set_contiguous_part_coalescing(set,
						     PMEMSET_COALESCING_NONE));
	ut_map(set, src, 0, P); /* first fit at 0 */
	ut_snap(set, &s);
	UT_ASSERTeq(s.n, 2);
	UT_OK(pmemset_remove_range(set, base, 8 * P));
	ut_snap(set, &s);
	UT_ASSERTeq(s.n, 0);

	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
	pmem2_vm_reservation_delete(&rsv);
}

static int
count_events(struct pmemset *set, struct pmemset_event_context *ctx, void *arg)
{
	(void)set;
	(void)ctx;
	++*(int *)arg;
	return 0;
}

static void
remove_range_errors(void)
{
	char *base;
	struct pmem2_vm_reservation *rsv = ut_rsv(8 * P, &base);
	int events = 0;
	struct pmemset *set = ut_set(count_events, &events, rsv);
	struct pmemset_source *src = ut_source("rrerr", P, 'x');
	UT_OK(pmemset_set_contiguous_part_coalescing(set,
						     PMEMSET_COALESCING_FULL));
	for (int i = 0; i < 3; i++)
		ut_map(set, src, 0, P);
	UT_OK(pmemset_set_contiguous_part_coalescing(set,
						     PMEMSET_COALESCING_NONE));
	ut_map(set, src, 0, P); /* a separate part map at 3P */
	/* [0,3P) [3P,4P) */

	struct ut_snap before, after;
	ut_snap(set, &before);
	size_t lines = ut_maps_ours();
	events = 0;

	UT_ERR(pmemset_remove_range(set, base + 5 * P, P),
	       PMEMSET_E_CANNOT_FIND_PART_MAP);
	UT_ERR(pmemset_remove_range(set, base, 0),
	       PMEMSET_E_CANNOT_FIND_PART_MAP);
	UT_ERR(pmemset_remove_range(set, NULL, 4096),
	       PMEMSET_E_CANNOT_FIND_PART_MAP);
	UT_ERR(pmemset_remove_range(set, base + 4 * P, SIZE_MAX / 2),
	       PMEMSET_E_CANNOT_FIND_PART_MAP);

	/* a reference on the second part map blocks a range over both */
	struct pmemset_part_map *p = ut_pmap(set, base + 3 * P);
	UT_ERR(pmemset_remove_range(set, base, 4 * P),
	       PMEMSET_E_PART_MAP_POSSIBLE_USE_AFTER_DROP);
	UT_ERR(pmemset_remove_range(set, base + 3 * P + 5, 1),
	       PMEMSET_E_PART_MAP_POSSIBLE_USE_AFTER_DROP);

	ut_snap(set, &after);
	ut_snap_eq(&before, &after);
	UT_ASSERTeq(ut_maps_ours(), lines);
	UT_ASSERTeq(events, 0);
	for (int i = 0; i < 4; i++)
		UT_ASSERTeq(base[i * P], 'x');

	/* the first part map is free of references: removable alone */
	UT_OK(pmemset_remove_range(set, base + P, 1));
	pmemset_part_map_drop(&p);
	UT_OK(pmemset_remove_range(set, base, 4 * P));
	ut_snap(set, &after);
	UT_ASSERTeq(after.n, 0);

	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
	pmem2_vm_reservation_delete(&rsv);
}

/* removing every part resets the granularity; the set maps again */
static void
emptied_set_is_usable(void)
{
	struct pmemset *set = ut_set(NULL, NULL, NULL);
	struct pmemset_source *src = ut_source("empty", P, 'e');
	size_t lines = ut_maps_ours();
	char *a = ut_map(set, src, 0, P);
	char *b = ut_map(set, src, 0, P);
	UT_OK(pmemset_remove_range(set, a, 1));
	UT_OK(pmemset_remove_range(set, b, 1));
	UT_ASSERTeq(ut_maps_ours(), lines);
	enum pmem2_granularity g = PMEM2_GRANULARITY_BYTE;
	UT_ERR(pmemset_get_store_granularity(set, &g),
	       PMEMSET_E_NO_PART_MAPPED);
	UT_ASSERTeq(g, PMEM2_GRANULARITY_BYTE);
	char *c = ut_map(set, src, 0, P);
	UT_ASSERTeq(c[0], 'e');
	UT_OK(pmemset_get_store_granularity(set, &g));
	UT_ASSERTeq(g, PMEM2_GRANULARITY_PAGE);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
}

int
main(void)
{
	UT_RUN(remove_part_map);
	UT_RUN(remove_part_map_errors);
	UT_RUN(remove_range_splits);
	UT_RUN(remove_range_whole_parts);
	UT_RUN(remove_range_errors);
	UT_RUN(emptied_set_is_usable);
	return 0;
}
