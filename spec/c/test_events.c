/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_events.c -- PART_ADD, PART_REMOVE and REMOVE_RANGE: fields, order,
 * timing, and the events that must not happen (contract §3.1, §3.4, §4.8,
 * §4.9).
 */

#include "ut_core.h"

#define P (64 * KiB)

/* bytes of the union past the payload of size n are zero */
static void
zero_after(const struct pmemset_event_context *ctx, size_t n)
{
	for (size_t i = n; i < PMEMSET_EVENT_CONTEXT_SIZE; i++)
		UT_ASSERTeq(ctx->data._data[i], 0);
}

static void
part_add(void)
{
	struct ut_events ev = { 0 };
	struct pmemset *set = ut_set(ut_record, &ev, NULL);

	/* from a caller's pmem2 source: that very source is reported */
	const char *path = ut_path("add");
	ut_file(path, 2 * P, 'a');
	int fd = open(path, O_RDWR);
	struct pmem2_source *p2;
	UT_ASSERTeq(pmem2_source_from_fd(&p2, fd), 0);
	struct pmemset_source *src;
	UT_OK(pmemset_source_from_pmem2(&src, p2));
	struct pmemset_part_descriptor d;
	UT_OK(ut_map_range(set, src, P, P, &d));

	UT_ASSERTeq(ev.n, 1);
	UT_ASSERT(ev.set[0] == set);
	UT_ASSERTeq(ev.ctx[0].type, PMEMSET_EVENT_PART_ADD);
	UT_ASSERTeq(ev.ctx[0].data.part_add.addr, d.addr);
	UT_ASSERTeq(ev.ctx[0].data.part_add.len, P);
	UT_ASSERT(ev.ctx[0].data.part_add.src == p2);
	zero_after(&ev.ctx[0], sizeof(struct pmemset_event_part_add));

	/* from a file source: an internal pmem2 source, not NULL */
	struct pmemset_source *fsrc = ut_source("addf", P, 'f');
	UT_OK(pmemset_map(set, fsrc, NULL, &d));
	UT_ASSERTeq(ev.n, 2);
	UT_ASSERTeq(ev.ctx[1].type, PMEMSET_EVENT_PART_ADD);
	UT_ASSERTeq(ev.ctx[1].data.part_add.addr, d.addr);
	UT_ASSERTeq(ev.ctx[1].data.part_add.len, P);
	UT_ASSERT(ev.ctx[1].data.part_add.src != NULL);

	/* delete fires no PART_REMOVE */
	UT_OK(pmemset_delete(&set));
	UT_ASSERTeq(ev.n, 2);
	UT_OK(pmemset_source_delete(&src));
	UT_OK(pmemset_source_delete(&fsrc));
	pmem2_source_delete(&p2);
	close(fd);
}

/* PART_REMOVE comes before unmapping: the callback can read the memory */
struct remove_probe {
	struct ut_events ev;
	char first; /* byte read inside the PART_REMOVE callback */
};

static int
read_on_remove(struct pmemset *set, struct pmemset_event_context *ctx,
	       void *arg)
{
	struct remove_probe *pr = arg;
	if (ctx->type == PMEMSET_EVENT_PART_REMOVE)
		pr->first = *(volatile char *)ctx->data.part_remove.addr;
	return ut_record(set, ctx, &pr->ev);
}

static void
part_remove(void)
{
	struct remove_probe pr = { 0 };
	struct pmemset *set = ut_set(read_on_remove, &pr, NULL);
	struct pmemset_source *src = ut_source("rm", 2 * P, 'r');
	char *a = ut_map(set, src, 0, 2 * P);
	pr.ev.n = 0;
	struct pmemset_part_map *p = ut_pmap(set, a + P);
	UT_OK(pmemset_remove_part_map(set, &p));
	UT_ASSERTeq(pr.ev.n, 1);
	UT_ASSERT(pr.ev.set[0] == set);
	UT_ASSERTeq(pr.ev.ctx[0].type, PMEMSET_EVENT_PART_REMOVE);
	UT_ASSERTeq(pr.ev.ctx[0].data.part_remove.addr, a);
	UT_ASSERTeq(pr.ev.ctx[0].data.part_remove.len, 2 * P);
	zero_after(&pr.ev.ctx[0], sizeof(struct pmemset_event_part_remove));
	UT_ASSERTeq(pr.first, 'r');

	/* a failed remove_part_map fires nothing */
	char *b = ut_map(set, src, 0, P);
	pr.ev.n = 0;
	struct pmemset_part_map *q1 = ut_pmap(set, b);
	struct pmemset_part_map *q2 = ut_pmap(set, b);
	UT_ERR(pmemset_remove_part_map(set, &q1),
	       PMEMSET_E_PART_MAP_POSSIBLE_USE_AFTER_DROP);
	UT_ASSERTeq(pr.ev.n, 0);
	pmemset_part_map_drop(&q1);
	pmemset_part_map_drop(&q2);
	UT_OK(pmemset_delete(&set));
	UT_ASSERTeq(pr.ev.n, 0);
	UT_OK(pmemset_source_delete(&src));
}

/*
 * remove_range: REMOVE_RANGE once with the arguments as passed, then one
 * PART_REMOVE per part map removed entirely, ascending; none for partial
 * removals.
 */
static void
remove_range(void)
{
	char *base;
	struct pmem2_vm_reservation *rsv = ut_rsv(8 * P, &base);
	struct ut_events ev = { 0 };
	struct pmemset *set = ut_set(ut_record, &ev, rsv);
	struct pmemset_source *src = ut_source("rr", P, 'x');

	ut_map(set, src, 0, P); /* A [0,P) */
	UT_OK(pmemset_set_contiguous_part_coalescing(set,
						     PMEMSET_COALESCING_FULL));
	ut_map(set, src, 0, P); /* A [0,2P) */
	UT_OK(pmemset_set_contiguous_part_coalescing(set,
						     PMEMSET_COALESCING_NONE));
	ut_map(set, src, 0, P); /* B [2P,3P) */
	ut_map(set, src, 0, P); /* C [3P,4P) */
	UT_OK(pmemset_set_contiguous_part_coalescing(set,
						     PMEMSET_COALESCING_FULL));
	ut_map(set, src, 0, P); /* C [3P,5P) */
	UT_ASSERTeq(ev.n, 5);
	ev.n = 0;

	/* from inside A's second part to inside C's first part */
	char *addr = base + P + 10;
	size_t len = 2 * P;
	UT_OK(pmemset_remove_range(set, addr, len));
	UT_ASSERTeq(ev.n, 2);
	UT_ASSERTeq(ev.ctx[0].type, PMEMSET_EVENT_REMOVE_RANGE);
	UT_ASSERTeq(ev.ctx[0].data.remove_range.addr, addr);
	UT_ASSERTeq(ev.ctx[0].data.remove_range.len, len);
	zero_after(&ev.ctx[0], sizeof(struct pmemset_event_remove_range));
	UT_ASSERTeq(ev.ctx[1].type, PMEMSET_EVENT_PART_REMOVE); /* only B */
	UT_ASSERTeq(ev.ctx[1].data.part_remove.addr, base + 2 * P);
	UT_ASSERTeq(ev.ctx[1].data.part_remove.len, P);

	struct ut_snap s;
	ut_snap(set, &s);
	UT_ASSERTeq(s.n, 2);
	UT_ASSERTeq(s.d[0].addr, base);
	UT_ASSERTeq(s.d[0].size, P);
	UT_ASSERTeq(s.d[1].addr, base + 4 * P);
	UT_ASSERTeq(s.d[1].size, P);

	/* two whole part maps: REMOVE_RANGE, then PART_REMOVE ascending */
	ev.n = 0;
	UT_OK(pmemset_remove_range(set, base, 8 * P));
	UT_ASSERTeq(ev.n, 3);
	UT_ASSERTeq(ev.ctx[0].type, PMEMSET_EVENT_REMOVE_RANGE);
	UT_ASSERTeq(ev.ctx[0].data.remove_range.addr, base);
	UT_ASSERTeq(ev.ctx[0].data.remove_range.len, 8 * P);
	UT_ASSERTeq(ev.ctx[1].type, PMEMSET_EVENT_PART_REMOVE);
	UT_ASSERTeq(ev.ctx[1].data.part_remove.addr, base);
	UT_ASSERTeq(ev.ctx[1].data.part_remove.len, P);
	UT_ASSERTeq(ev.ctx[2].type, PMEMSET_EVENT_PART_REMOVE);
	UT_ASSERTeq(ev.ctx[2].data.part_remove.addr, base + 4 * P);
	UT_ASSERTeq(ev.ctx[2].data.part_remove.len, P);

	/* validation failures fire nothing (REMOVE_RANGE after validation) */
	ev.n = 0;
	UT_ERR(pmemset_remove_range(set, base, P),
	       PMEMSET_E_CANNOT_FIND_PART_MAP);
	ut_map(set, src, 0, P);
	ev.n = 0;
	struct pmemset_part_map *p = ut_pmap(set, base);
	UT_ERR(pmemset_remove_range(set, base, P),
	       PMEMSET_E_PART_MAP_POSSIBLE_USE_AFTER_DROP);
	UT_ASSERTeq(ev.n, 0);
	pmemset_part_map_drop(&p);

	UT_OK(pmemset_delete(&set));
	UT_ASSERTeq(ev.n, 0);
	UT_OK(pmemset_source_delete(&src));
	pmem2_vm_reservation_delete(&rsv);
}

/* the registered argument reaches the callback; return values ignored */
static int
fail_always(struct pmemset *set, struct pmemset_event_context *ctx, void *arg)
{
	(void)set;
	(void)ctx;
	++*(int *)arg;
	return -1;
}

static void
results_ignored(void)
{
	int calls = 0;
	struct pmemset *set = ut_set(fail_always, &calls, NULL);
	struct pmemset_source *src = ut_source("ign", P, 'i');
	char *a = ut_map(set, src, 0, P);
	UT_ASSERTeq(calls, 1);
	UT_OK(pmemset_remove_range(set, a, P));
	UT_ASSERTeq(calls, 3); /* REMOVE_RANGE + PART_REMOVE */
	UT_ASSERT(!ut_is_accessible(a));
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
}

/* lookups and iteration fire nothing */
static void
silent_queries(void)
{
	struct ut_events ev = { 0 };
	struct pmemset *set = ut_set(ut_record, &ev, NULL);
	struct pmemset_source *src = ut_source("silent", P, 's');
	char *a = ut_map(set, src, 0, P);
	ev.n = 0;
	struct ut_snap s;
	ut_snap(set, &s);
	struct pmemset_part_map *p = ut_pmap(set, a);
	(void)pmemset_descriptor_part_map(p);
	pmemset_part_map_drop(&p);
	enum pmem2_granularity g;
	UT_OK(pmemset_get_store_granularity(set, &g));
	UT_OK(pmemset_deep_flush(set, a, P));
	UT_ASSERTeq(ev.n, 0);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
}

int
main(void)
{
	UT_RUN(part_add);
	UT_RUN(part_remove);
	UT_RUN(remove_range);
	UT_RUN(results_ignored);
	UT_RUN(silent_queries);
	return 0;
}
