/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_coalesce.c -- contiguous part coalescing: NONE, OPPORTUNISTIC, FULL,
 * invalid values and the coalescing anchor (contract §3.2).
 */

#include "ut_core.h"

#define P (64 * KiB)

static void
invalid_value(void)
{
	char *base;
	struct pmem2_vm_reservation *rsv = ut_rsv(4 * P, &base);
	struct pmemset *set = ut_set(NULL, NULL, rsv);
	struct pmemset_source *src = ut_source("inval", P, 'i');

	UT_OK(pmemset_set_contiguous_part_coalescing(set,
						     PMEMSET_COALESCING_FULL));
	UT_ERR(pmemset_set_contiguous_part_coalescing(
		       set, (enum pmemset_coalescing)3),
	       PMEMSET_E_INVALID_COALESCING_VALUE);
	UT_ERR(pmemset_set_contiguous_part_coalescing(
		       set, (enum pmemset_coalescing) - 1),
	       PMEMSET_E_INVALID_COALESCING_VALUE);

	/* FULL is still in force: the second part joins the first */
	ut_map(set, src, 0, P);
	struct pmemset_part_descriptor d;
	UT_OK(ut_map_range(set, src, 0, P, &d));
	UT_ASSERTeq(d.addr, base);
	UT_ASSERTeq(d.size, 2 * P);

	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
	pmem2_vm_reservation_delete(&rsv);
}

/* NONE: adjacent parts in a caller reservation stay separate part maps */
static void
none_keeps_parts_apart(void)
{
	char *base;
	struct pmem2_vm_reservation *rsv = ut_rsv(4 * P, &base);
	struct pmemset *set = ut_set(NULL, NULL, rsv);
	struct pmemset_source *src = ut_source("none", P, 'n');
	UT_OK(pmemset_set_contiguous_part_coalescing(set,
						     PMEMSET_COALESCING_NONE));
	for (int i = 0; i < 3; i++)
		UT_ASSERTeq(ut_map(set, src, 0, P), base + i * P);
	struct ut_snap s;
	ut_snap(set, &s);
	UT_ASSERTeq(s.n, 3);
	for (int i = 0; i < 3; i++) {
		UT_ASSERTeq(s.d[i].addr, base + i * P);
		UT_ASSERTeq(s.d[i].size, P);
	}
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
	pmem2_vm_reservation_delete(&rsv);
}

static void
merged_in_reservation(enum pmemset_coalescing mode)
{
	char *base;
	struct pmem2_vm_reservation *rsv = ut_rsv(8 * P, &base);
	struct ut_events ev = { 0 };
	struct pmemset *set = ut_set(ut_record, &ev, rsv);
	struct pmemset_source *a = ut_source("mergea", P, 'a');
	struct pmemset_source *b;
	UT_OK(pmemset_source_from_temporary(&b, ut_dir()));
	UT_OK(pmemset_set_contiguous_part_coalescing(set, mode));

	struct pmemset_part_descriptor d;
	UT_OK(ut_map_range(set, a, 0, P, &d));
	UT_ASSERTeq(d.addr, base);
	UT_ASSERTeq(d.size, P);
	/* parts of different sources may share a part map */
	UT_OK(ut_map_range(set, b, 0, 2 * P, &d));
	UT_ASSERTeq(d.addr, base);
	UT_ASSERTeq(d.size, 3 * P);
	UT_OK(ut_map_range(set, a, 0, P, &d));
	UT_ASSERTeq(d.size, 4 * P);

	/* PART_ADD reports the new part's own range */
	UT_ASSERTeq(ev.n, 3);
	UT_ASSERTeq(ev.ctx[1].type, PMEMSET_EVENT_PART_ADD);
	UT_ASSERTeq(ev.ctx[1].data.part_add.addr, base + P);
	UT_ASSERTeq(ev.ctx[1].data.part_add.len, 2 * P);
	UT_ASSERTeq(ev.ctx[2].data.part_add.addr, base + 3 * P);
	UT_ASSERTeq(ev.ctx[2].data.part_add.len, P);

	struct ut_snap s;
	ut_snap(set, &s);
	UT_ASSERTeq(s.n, 1);
	UT_ASSERTeq(s.d[0].addr, base);
	UT_ASSERTeq(s.d[0].size, 4 * P);
	UT_ASSERTeq(base[0], 'a');
	UT_ASSERTeq(base[P], 0);
	UT_ASSERTeq(base[3 * P], 'a');

	/* every address of the merged map finds the same part map */
	struct pmemset_part_map *p1 = ut_pmap(set, base + 2 * P);
	struct pmemset_part_map *p2 = ut_pmap(set, base + 4 * P - 1);
	UT_ASSERT(p1 == p2);
	pmemset_part_map_drop(&p1);
	pmemset_part_map_drop(&p2);

	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&a));
	UT_OK(pmemset_source_delete(&b));
	pmem2_vm_reservation_delete(&rsv);
}

static void
opportunistic_merges(void)
{
	merged_in_reservation(PMEMSET_COALESCING_OPPORTUNISTIC);
}

static void
full_merges(void)
{
	merged_in_reservation(PMEMSET_COALESCING_FULL);
}

/*
 * The anchor's next range is occupied (or outside the reservation): FULL
 * fails with nothing changed, OPPORTUNISTIC maps a separate part map.
 */
static void
full_blocked(void)
{
	char *base;
	struct pmem2_vm_reservation *rsv = ut_rsv(3 * P, &base);
	struct ut_events ev = { 0 };
	struct pmemset *set = ut_set(ut_record, &ev, rsv);
	struct pmemset_source *src = ut_source("blocked", P, 'b');

	ut_map(set, src, 0, P);		  /* A at 0 */
	char *b = ut_map(set, src, 0, P); /* B at P */
	UT_ASSERTeq(b, base + P);
	UT_OK(pmemset_remove_range(set, base, 1)); /* A gone, anchor B */
	UT_ASSERTeq(ut_map(set, src, 0, P), base); /* C at 0: anchor C */

	UT_OK(pmemset_set_contiguous_part_coalescing(set,
						     PMEMSET_COALESCING_FULL));
	struct ut_snap before, after;
	ut_snap(set, &before);
	size_t lines = ut_maps_ours();
	int nev = ev.n;
	UT_ERR(ut_map_range(set, src, 0, P, NULL),
	       PMEMSET_E_CANNOT_COALESCE_PARTS);
	ut_snap(set, &after);
	ut_snap_eq(&before, &after);
	UT_ASSERTeq(ut_maps_ours(), lines);
	UT_ASSERTeq(ev.n, nev);

	UT_OK(pmemset_set_contiguous_part_coalescing(
		set, PMEMSET_COALESCING_OPPORTUNISTIC));
	struct pmemset_part_descriptor d;
	UT_OK(ut_map_range(set, src, 0, P, &d));
	UT_ASSERTeq(d.addr, base + 2 * P); /* first fit, separate */
	UT_ASSERTeq(d.size, P);
	ut_snap(set, &after);
	UT_ASSERTeq(after.n, 3);

	/* anchor now at the end of the reservation: FULL cannot extend */
	UT_OK(pmemset_set_contiguous_part_coalescing(set,
						     PMEMSET_COALESCING_FULL));
	UT_OK(pmemset_remove_range(set, base, 1)); /* free room at 0 */
	UT_ERR(ut_map_range(set, src, 0, P, NULL),
	       PMEMSET_E_CANNOT_COALESCE_PARTS);

	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
	pmem2_vm_reservation_delete(&rsv);
}

/* the anchor removed entirely becomes its lower neighbour */
static void
anchor_moves_down(void)
{
	char *base;
	struct pmem2_vm_reservation *rsv = ut_rsv(4 * P, &base);
	struct pmemset *set = ut_set(NULL, NULL, rsv);
	struct pmemset_source *src = ut_source("anchor", P, 'a');
	ut_map(set, src, 0, P);				   /* A at 0 */
	ut_map(set, src, 0, P);				   /* B at P */
	ut_map(set, src, 0, P);				   /* C at 2P, anchor */
	UT_OK(pmemset_remove_range(set, base + 2 * P, P)); /* anchor -> B */
	UT_OK(pmemset_set_contiguous_part_coalescing(set,
						     PMEMSET_COALESCING_FULL));
	struct pmemset_part_descriptor d;
	UT_OK(ut_map_range(set, src, 0, P, &d));
	UT_ASSERTeq(d.addr, base + P);
	UT_ASSERTeq(d.size, 2 * P);

	/* without anchor (empty set) FULL maps as NONE */
	UT_OK(pmemset_remove_range(set, base, 4 * P));
	UT_OK(ut_map_range(set, src, 0, P, &d));
	UT_ASSERTeq(d.addr, base);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
	pmem2_vm_reservation_delete(&rsv);
}

/* a partial removal keeps the anchor */
static void
anchor_kept_on_partial_removal(void)
{
	char *base;
	struct pmem2_vm_reservation *rsv = ut_rsv(8 * P, &base);
	struct pmemset *set = ut_set(NULL, NULL, rsv);
	struct pmemset_source *src = ut_source("partial", P, 'p');
	ut_map(set, src, 0, P); /* X at 0 */
	UT_OK(pmemset_set_contiguous_part_coalescing(set,
						     PMEMSET_COALESCING_FULL));
	ut_map(set, src, 0, P); /* joins X: [0, 2P) */
	ut_map(set, src, 0, P); /* [0, 3P) */
	UT_OK(pmemset_remove_range(set, base + 2 * P, 1)); /* back: [0,2P) */
	struct pmemset_part_descriptor d;
	UT_OK(ut_map_range(set, src, 0, P, &d));
	UT_ASSERTeq(d.addr, base);
	UT_ASSERTeq(d.size, 3 * P);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
	pmem2_vm_reservation_delete(&rsv);
}

/* without a caller reservation FULL may fail; OPPORTUNISTIC never does */
static void
library_reservations(void)
{
	struct pmemset *set = ut_set(NULL, NULL, NULL);
	struct pmemset_source *src = ut_source("librsv", P, 'l');
	UT_OK(pmemset_set_contiguous_part_coalescing(set,
						     PMEMSET_COALESCING_FULL));
	char *first = ut_map(set, src, 0, P);
	int merged = 1;
	for (int i = 1; i < 4; i++) {
		struct pmemset_part_descriptor d;
		struct ut_snap before, after;
		ut_snap(set, &before);
		int ret = ut_map_range(set, src, 0, P, &d);
		if (ret == PMEMSET_E_CANNOT_COALESCE_PARTS) {
			ut_snap(set, &after);
			ut_snap_eq(&before, &after);
			merged = 0;
			break;
		}
		UT_OK(ret);
		UT_ASSERTeq(d.addr, first);
		UT_ASSERTeq(d.size, (size_t)(i + 1) * P);
		UT_ASSERTeq(((char *)d.addr)[i * P], 'l');
	}
	if (!merged)
		fprintf(stderr, "    FULL could not coalesce (accepted)\n");

	UT_OK(pmemset_set_contiguous_part_coalescing(
		set, PMEMSET_COALESCING_OPPORTUNISTIC));
	for (int i = 0; i < 4; i++)
		UT_ASSERT(ut_map(set, src, 0, P) != NULL);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
}

int
main(void)
{
	UT_RUN(invalid_value);
	UT_RUN(none_keeps_parts_apart);
	UT_RUN(opportunistic_merges);
	UT_RUN(full_merges);
	UT_RUN(full_blocked);
	UT_RUN(anchor_moves_down);
	UT_RUN(anchor_kept_on_partial_removal);
	UT_RUN(library_reservations);
	return 0;
}
