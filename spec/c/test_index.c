/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_index.c -- pmemset_part_map_by_address across the address index's
 * changes of shape (src/core/index.c): one block, many blocks split as
 * part maps arrive, blocks emptied and merged as they go, part maps whose
 * start moves (front trims) or that split in two.
 */

#include <pmemset_ext.h>

#include "ut_core.h"

#define INDEX_BLOCK 256 /* index.c: entries per block */
#define NPARTS	    (40 * INDEX_BLOCK + 7)

static size_t page;

/* expect_at -- the part map holding addr starts at start (NULL: none) */
static void
expect_at(struct pmemset *set, char *addr, char *start)
{
	struct pmemset_part_map *pm;
	int ret = pmemset_part_map_by_address(set, &pm, addr);
	if (start == NULL) {
		UT_ASSERTeq(ret, PMEMSET_E_CANNOT_FIND_PART_MAP);
		UT_ASSERT(pm == NULL);
		return;
	}
	UT_ASSERTeq(ret, 0);
	struct pmemset_part_descriptor d = pmemset_descriptor_part_map(pm);
	UT_ASSERT(d.addr == start);
	pmemset_part_map_drop(&pm);
}

/* check -- every page of every part, and one page inside each hole */
static void
check(struct pmemset *set, char **addr, const int *live, int n)
{
	for (int i = 0; i < n; i++) {
		expect_at(set, addr[i] + page / 2, live[i] ? addr[i] : NULL);
		expect_at(set, addr[i], live[i] ? addr[i] : NULL);
	}
}

/*
 * walk -- first/next visit n part maps in address order, and the
 * addresses at both ends of the address space find none (the index pads
 * its unused entries with a start above every user-space address)
 */
static void
walk(struct pmemset *set, size_t n)
{
	size_t count = 0;
	char *prev = NULL;
	struct pmemset_part_map *pm, *next;
	pmemset_first_part_map(set, &pm);
	while (pm) {
		char *a = pmemset_descriptor_part_map(pm).addr;
		UT_ASSERT(prev == NULL || a > prev);
		prev = a;
		count++;
		pmemset_next_part_map(set, pm, &next);
		pmemset_part_map_drop(&pm);
		pm = next;
	}
	UT_ASSERTeq(count, n);
	expect_at(set, (char *)(uintptr_t)page, NULL);
	expect_at(set, (char *)(uintptr_t)INTPTR_MAX, NULL);
	expect_at(set, (char *)(uintptr_t)INTPTR_MAX + 1, NULL);
	expect_at(set, (char *)UINTPTR_MAX, NULL);
}

static void
grow_shrink_grow(void)
{
	struct pmemset *set = ut_set(NULL, NULL, NULL);
	struct pmemset_source *src = ut_source("index", 16 * page, 'i');
	char **addr = calloc(NPARTS + 10, sizeof(*addr));
	int *live = calloc(NPARTS + 10, sizeof(*live));
	UT_ASSERT(addr && live);

	/* blocks fill and split */
	for (int i = 0; i < NPARTS; i++) {
		addr[i] = ut_map(set, src, (size_t)(i % 16) * page, page);
		live[i] = 1;
	}
	UT_ASSERTeq(pmemset_part_map_count(set), NPARTS);
	check(set, addr, live, NPARTS);
	walk(set, NPARTS);

	/* down to a quarter: blocks shrink and merge; removed parts gone */
	int left = NPARTS;
	for (int i = 0; i < NPARTS; i++) {
		if (i % 4 == 0)
			continue;
		UT_OK(pmemset_remove_range(set, addr[i], 1));
		live[i] = 0;
		left--;
	}
	UT_ASSERTeq(pmemset_part_map_count(set), left);
	check(set, addr, live, NPARTS);
	walk(set, (size_t)left);

	/*
	 * New parts among the old (they may reuse removed parts' slots, so
	 * only live parts are checked now).
	 */
	for (int i = NPARTS; i < NPARTS + 10; i++) {
		addr[i] = ut_map(set, src, 0, page);
		live[i] = 1;
	}
	for (int i = 0; i < NPARTS + 10; i++)
		if (live[i])
			expect_at(set, addr[i] + page / 2, addr[i]);
	UT_ASSERTeq(pmemset_part_map_count(set), left + 10);
	walk(set, (size_t)left + 10);

	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
	free(addr);
	free(live);
}

/* a part map's start moves and a part map splits, small and large sets */
static void
rekey_and_split(int filler)
{
	struct pmem2_vm_reservation *rsv;
	char *base;
	rsv = ut_rsv((size_t)(filler + 5) * page, &base);
	struct pmemset *set = ut_set(NULL, NULL, rsv);
	struct pmemset_source *src = ut_source("rekey", page, 'r');
	UT_OK(pmemset_set_contiguous_part_coalescing(set,
						     PMEMSET_COALESCING_FULL));
	/* five coalesced parts at base, then filler separate part maps */
	for (int i = 0; i < 5; i++)
		ut_map(set, src, 0, page);
	UT_OK(pmemset_set_contiguous_part_coalescing(set,
						     PMEMSET_COALESCING_NONE));
	for (int i = 0; i < filler; i++)
		ut_map(set, src, 0, page);

	UT_OK(pmemset_remove_range(set, base, 1)); /* front: start moves */
	expect_at(set, base, NULL);
	expect_at(set, base + page, base + page);
	expect_at(set, base + 4 * page, base + page);
	UT_OK(pmemset_remove_range(set, base + 2 * page, 1)); /* split */
	expect_at(set, base + page, base + page);
	expect_at(set, base + 2 * page, NULL);
	expect_at(set, base + 3 * page, base + 3 * page);
	expect_at(set, base + 4 * page, base + 3 * page);
	expect_at(set, base + 5 * page, base + 5 * page);

	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
	UT_OK(pmem2_vm_reservation_delete(&rsv));
}

static void
rekey_and_split_small(void)
{
	rekey_and_split(10); /* one block */
}

static void
rekey_and_split_large(void)
{
	rekey_and_split(8 * INDEX_BLOCK + 10); /* many blocks */
}

int
main(void)
{
	page = ut_pagesize();
	UT_RUN(rekey_and_split_small);
	UT_RUN(rekey_and_split_large);
	UT_RUN(grow_shrink_grow);
	return 0;
}
