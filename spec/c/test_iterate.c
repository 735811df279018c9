/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_iterate.c -- first/next/by_address, references, part_map_drop and
 * descriptors (contract §2.6 Mapping and part maps, §3.5).
 */

#include "ut_core.h"

#define P (64 * KiB)

static void
empty_set(void)
{
	struct pmemset *set = ut_set(NULL, NULL, NULL);
	struct pmemset_part_map *p = (struct pmemset_part_map *)&p;
	pmemset_first_part_map(set, &p);
	UT_ASSERT(p == NULL);
	p = (struct pmemset_part_map *)&p;
	int x;
	UT_ERR(pmemset_part_map_by_address(set, &p, &x),
	       PMEMSET_E_CANNOT_FIND_PART_MAP);
	UT_ASSERT(p == NULL);
	/* dropping a NULL handle is a no-op */
	pmemset_part_map_drop(&p);
	UT_ASSERT(p == NULL);
	UT_OK(pmemset_delete(&set));
}

/* iteration goes by address, not by age */
static void
by_address_order(void)
{
	char *base;
	struct pmem2_vm_reservation *rsv = ut_rsv(4 * P, &base);
	struct pmemset *set = ut_set(NULL, NULL, rsv);
	struct pmemset_source *src = ut_source("order", 2 * P, 'o');
	ut_map(set, src, 0, P);			   /* A at 0 */
	ut_map(set, src, 0, 2 * P);		   /* B at P */
	ut_map(set, src, 0, P);			   /* C at 3P */
	UT_OK(pmemset_remove_range(set, base, P)); /* A gone */
	UT_ASSERTeq(ut_map(set, src, P, P), base); /* D at 0, newest */

	struct pmemset_part_map *p, *next;
	pmemset_first_part_map(set, &p);
	UT_ASSERT(p != NULL);
	struct pmemset_part_descriptor d = pmemset_descriptor_part_map(p);
	UT_ASSERTeq(d.addr, base);
	UT_ASSERTeq(d.size, P);

	pmemset_next_part_map(set, p, &next);
	UT_ASSERT(next != NULL);
	d = pmemset_descriptor_part_map(next);
	UT_ASSERTeq(d.addr, base + P);
	UT_ASSERTeq(d.size, 2 * P);
	/* cur keeps its reference: it still blocks removal */
	UT_ERR(pmemset_remove_range(set, base, 1),
	       PMEMSET_E_PART_MAP_POSSIBLE_USE_AFTER_DROP);
	pmemset_part_map_drop(&p);
	UT_ASSERT(p == NULL);
	p = next;

	pmemset_next_part_map(set, p, &next);
	UT_ASSERT(next != NULL);
	d = pmemset_descriptor_part_map(next);
	UT_ASSERTeq(d.addr, base + 3 * P);
	pmemset_part_map_drop(&p);
	p = next;

	next = (struct pmemset_part_map *)&next;
	pmemset_next_part_map(set, p, &next);
	UT_ASSERT(next == NULL);
	pmemset_part_map_drop(&p);

	/* every reference dropped: all can be removed */
	UT_OK(pmemset_remove_range(set, base, 4 * P));
	pmemset_first_part_map(set, &p);
	UT_ASSERT(p == NULL);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
	pmem2_vm_reservation_delete(&rsv);
}

static void
lookup(void)
{
	char *base;
	struct pmem2_vm_reservation *rsv = ut_rsv(4 * P, &base);
	struct pmemset *set = ut_set(NULL, NULL, rsv);
	struct pmemset_source *src = ut_source("lookup", P, 'l');
	ut_map(set, src, 0, P); /* [0, P) */
	ut_map(set, src, 0, P); /* [P, 2P) */
	UT_OK(pmemset_remove_range(set, base + P, 1));
	ut_map(set, src, 0, P); /* first fit: [P, 2P) again */
	UT_OK(pmemset_remove_range(set, base, 1)); /* gap at [0, P) */

	struct pmemset_part_map *p = (struct pmemset_part_map *)&p;
	UT_ERR(pmemset_part_map_by_address(set, &p, base),
	       PMEMSET_E_CANNOT_FIND_PART_MAP);
	UT_ASSERT(p == NULL);
	UT_ERR(pmemset_part_map_by_address(set, &p, base + P - 1),
	       PMEMSET_E_CANNOT_FIND_PART_MAP);
	UT_ERR(pmemset_part_map_by_address(set, &p, base + 2 * P),
	       PMEMSET_E_CANNOT_FIND_PART_MAP);
	UT_ERR(pmemset_part_map_by_address(set, &p, NULL),
	       PMEMSET_E_CANNOT_FIND_PART_MAP);

	struct pmemset_part_map *a = ut_pmap(set, base + P);
	struct pmemset_part_map *b = ut_pmap(set, base + 2 * P - 1);
	UT_ASSERT(a == b);
	struct pmemset_part_descriptor d = pmemset_descriptor_part_map(a);
	UT_ASSERTeq(d.addr, base + P);
	UT_ASSERTeq(d.size, P);

	/* two references: both must go before remove_range may proceed */
	pmemset_part_map_drop(&a);
	UT_ERR(pmemset_remove_range(set, base + P, 1),
	       PMEMSET_E_PART_MAP_POSSIBLE_USE_AFTER_DROP);
	pmemset_part_map_drop(&b);
	UT_OK(pmemset_remove_range(set, base + P, 1));

	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
	pmem2_vm_reservation_delete(&rsv);
}

/* the descriptor follows the part map as it grows and shrinks */
static void
descriptor_is_current(void)
{
	char *base;
	struct pmem2_vm_reservation *rsv = ut_rsv(4 * P, &base);
	struct pmemset *set = ut_set(NULL, NULL, rsv);
	struct pmemset_source *src = ut_source("desc", P, 'd');
	UT_OK(pmemset_set_contiguous_part_coalescing(set,
						     PMEMSET_COALESCING_FULL));
	ut_map(set, src, 0, P);
	ut_map(set, src, 0, P);
	struct pmemset_part_map *p = ut_pmap(set, base);
	UT_ASSERTeq(pmemset_descriptor_part_map(p).size, 2 * P);
	ut_map(set, src, 0, P);
	UT_ASSERTeq(pmemset_descriptor_part_map(p).size, 3 * P);
	UT_ASSERTeq(pmemset_descriptor_part_map(p).addr, base);
	pmemset_part_map_drop(&p);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
	pmem2_vm_reservation_delete(&rsv);
}

/*
 * next_part_map follows a thread's last position while its set has not
 * changed: a set made where a deleted one was, with a part map where the
 * old one's was, must not be taken for the old set
 */
static void
next_after_a_set_is_replaced(void)
{
	struct pmemset_source *src = ut_source("replaced", 4 * P, 'r');
	struct pmemset *set = ut_set(NULL, NULL, NULL);
	ut_map(set, src, 0, P);
	struct pmemset_part_map *p, *next;
	pmemset_first_part_map(set, &p); /* the thread's position: here */
	pmemset_part_map_drop(&p);
	UT_OK(pmemset_delete(&set));

	set = ut_set(NULL, NULL, NULL);
	char *first = ut_map(set, src, 0, P);
	UT_OK(pmemset_part_map_by_address(set, &p, first));
	pmemset_next_part_map(set, p, &next);
	UT_ASSERT(next == NULL); /* one part map only */
	pmemset_part_map_drop(&p);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
}

/* a part map of another set has no next in this one */
static void
next_of_another_sets_part_map(void)
{
	struct pmemset_source *src = ut_source("another", 2 * P, 'a');
	struct pmemset *a = ut_set(NULL, NULL, NULL);
	struct pmemset *b = ut_set(NULL, NULL, NULL);
	ut_map(a, src, 0, P);
	ut_map(a, src, P, P);
	ut_map(b, src, 0, P);
	struct pmemset_part_map *p, *next = (struct pmemset_part_map *)&p;
	pmemset_first_part_map(a, &p);
	pmemset_next_part_map(b, p, &next);
	UT_ASSERT(next == NULL);
	pmemset_next_part_map(a, p, &next);
	UT_ASSERT(next != NULL && next != p);
	pmemset_part_map_drop(&next);
	pmemset_part_map_drop(&p);
	UT_OK(pmemset_delete(&a));
	UT_OK(pmemset_delete(&b));
	UT_OK(pmemset_source_delete(&src));
}

int
main(void)
{
	UT_RUN(empty_set);
	UT_RUN(by_address_order);
	UT_RUN(lookup);
	UT_RUN(descriptor_is_current);
	UT_RUN(next_after_a_set_is_replaced);
	UT_RUN(next_of_another_sets_part_map);
	return 0;
}
