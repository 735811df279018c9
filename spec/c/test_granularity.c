/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_granularity.c -- required and effective store granularity: PAGE on
 * files, NO_PART_MAPPED when empty, reset when the set empties, mismatch
 * between parts (simulated with libpmem2's PMEM2_FORCE_GRANULARITY)
 * (contract §3.6, §5).
 */

#include "ut_core.h"

#define P (64 * KiB)

static void
page_on_files(void)
{
	struct pmemset *set = ut_set(NULL, NULL, NULL);
	enum pmem2_granularity g = PMEM2_GRANULARITY_CACHE_LINE;
	UT_ERR(pmemset_get_store_granularity(set, &g),
	       PMEMSET_E_NO_PART_MAPPED);
	UT_ASSERTeq(g, PMEM2_GRANULARITY_CACHE_LINE); /* untouched */

	struct pmemset_source *src = ut_source("page", P, 'p');
	char *a = ut_map(set, src, 0, P);
	UT_OK(pmemset_get_store_granularity(set, &g));
	UT_ASSERTeq(g, PMEM2_GRANULARITY_PAGE);
	UT_OK(pmemset_remove_range(set, a, P));
	g = PMEM2_GRANULARITY_BYTE;
	UT_ERR(pmemset_get_store_granularity(set, &g),
	       PMEMSET_E_NO_PART_MAPPED);
	UT_ASSERTeq(g, PMEM2_GRANULARITY_BYTE);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
}

/* a file cannot give BYTE or CACHE_LINE */
static void
finer_required(void)
{
	enum pmem2_granularity req[] = { PMEM2_GRANULARITY_BYTE,
					 PMEM2_GRANULARITY_CACHE_LINE };
	struct pmemset_source *src = ut_source("fine", P, 'f');
	for (int i = 0; i < 2; i++) {
		struct pmemset_config *cfg;
		UT_OK(pmemset_config_new(&cfg));
		UT_OK(pmemset_config_set_required_store_granularity(cfg,
								    req[i]));
		struct pmemset *set;
		UT_OK(pmemset_new(&set, cfg));
		UT_OK(pmemset_config_delete(&cfg));
		UT_ERR(pmemset_map(set, src, NULL, NULL),
		       PMEMSET_E_INVALID_PMEM2_MAP);
		enum pmem2_granularity g;
		UT_ERR(pmemset_get_store_granularity(set, &g),
		       PMEMSET_E_NO_PART_MAPPED);
		UT_OK(pmemset_delete(&set));
	}
	UT_OK(pmemset_source_delete(&src));
}

/*
 * The first part fixes the effective granularity; a later part of another
 * one is refused with nothing changed; once the set is empty the next part
 * fixes it anew.
 */
static void
mismatch_and_reset(void)
{
	struct pmemset *set = ut_set(NULL, NULL, NULL);
	struct pmemset_source *src = ut_source("mismatch", P, 'm');
	enum pmem2_granularity g;

	setenv("PMEM2_FORCE_GRANULARITY", "CACHE_LINE", 1);
	char *a = ut_map(set, src, 0, P);
	UT_OK(pmemset_get_store_granularity(set, &g));
	if (g != PMEM2_GRANULARITY_CACHE_LINE) {
		fprintf(stderr, "    skipped: PMEM2_FORCE_GRANULARITY not "
				"honoured per mapping\n");
		unsetenv("PMEM2_FORCE_GRANULARITY");
		UT_OK(pmemset_delete(&set));
		UT_OK(pmemset_source_delete(&src));
		return;
	}

	unsetenv("PMEM2_FORCE_GRANULARITY"); /* PAGE from now on */
	struct ut_snap before, after;
	ut_snap(set, &before);
	size_t lines = ut_maps_ours();
	UT_ERR(pmemset_map(set, src, NULL, NULL),
	       PMEMSET_E_GRANULARITY_MISMATCH);
	ut_snap(set, &after);
	ut_snap_eq(&before, &after);
	UT_ASSERTeq(ut_maps_ours(), lines);
	UT_OK(pmemset_get_store_granularity(set, &g));
	UT_ASSERTeq(g, PMEM2_GRANULARITY_CACHE_LINE);

	UT_OK(pmemset_remove_range(set, a, 1));
	ut_map(set, src, 0, P);
	UT_OK(pmemset_get_store_granularity(set, &g));
	UT_ASSERTeq(g, PMEM2_GRANULARITY_PAGE);

	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
}

int
main(void)
{
	UT_RUN(page_on_files);
	UT_RUN(finer_required);
	UT_RUN(mismatch_and_reset);
	return 0;
}
