/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_reentry.c -- a PART_REMOVE or REMOVE_RANGE callback, which runs
 * under the set's write lock, calling back into its own set: every call
 * fails with -EDEADLK and a message instead of waiting for the lock for
 * ever; calls on another set work; the removal itself completes.
 */

#include <pmemset_ext.h>

#include "ut_core.h"

struct probe {
	struct pmemset *other;	       /* a second set: calls on it must work */
	struct pmemset_part_map *kept; /* a part map of the set, referenced */
	struct pmemset_source *src;
	char *addr;
	int events;
	int refused; /* calls that failed with -EDEADLK and a message */
	int other_ok;
};

static void
expect_refused(struct probe *pr, int ret, const char *fn)
{
	if (ret != -EDEADLK)
		UT_FAIL("%s returned %d inside the callback, expected -EDEADLK",
			fn, ret);
	if (strstr(pmemset_errormsg(), fn) == NULL)
		UT_FAIL("%s: message \"%s\" does not name it", fn,
			pmemset_errormsg());
	pr->refused++;
}

/* a message that names no function of the API */
static void
reset_message(void)
{
	UT_ASSERTeq(pmemset_part_map_by_address(NULL, NULL, NULL), -EINVAL);
}

/* void or size_t functions: the result says nothing, the message does */
static void
expect_refused_msg(struct probe *pr, const char *fn)
{
	expect_refused(
		pr, strstr(pmemset_errormsg(), "callback") ? -EDEADLK : 0, fn);
}

static int
on_event(struct pmemset *set, struct pmemset_event_context *ctx, void *arg)
{
	struct probe *pr = arg;
	if (ctx->type != PMEMSET_EVENT_PART_REMOVE &&
	    ctx->type != PMEMSET_EVENT_REMOVE_RANGE)
		return 0;
	pr->events++;
	struct pmemset_part_map *pm = NULL;
	expect_refused(pr, pmemset_part_map_by_address(set, &pm, pr->addr),
		       "pmemset_part_map_by_address");
	UT_ASSERT(pm == NULL);
	reset_message();
	pmemset_first_part_map(set, &pm);
	UT_ASSERT(pm == NULL);
	expect_refused_msg(pr, "pmemset_first_part_map");
	reset_message();
	UT_ASSERTeq(pmemset_part_map_count(set), 0);
	expect_refused_msg(pr, "pmemset_part_map_count");
	reset_message();
	pmemset_next_part_map(set, pr->kept, &pm);
	UT_ASSERT(pm == NULL);
	expect_refused_msg(pr, "pmemset_next_part_map");
	reset_message();
	struct pmemset_part_descriptor d =
		pmemset_descriptor_part_map(pr->kept);
	UT_ASSERT(d.addr == NULL && d.size == 0);
	expect_refused_msg(pr, "pmemset_descriptor_part_map");
	expect_refused(pr, pmemset_map(set, pr->src, NULL, NULL),
		       "pmemset_map");
	expect_refused(pr, pmemset_remove_range(set, pr->addr, 1),
		       "pmemset_remove_range");
	expect_refused(pr,
		       pmemset_set_contiguous_part_coalescing(
			       set, PMEMSET_COALESCING_FULL),
		       "pmemset_set_contiguous_part_coalescing");
	expect_refused(pr, pmemset_deep_flush(set, pr->addr, 1),
		       "pmemset_deep_flush");
	enum pmem2_granularity g;
	expect_refused(pr, pmemset_get_store_granularity(set, &g),
		       "pmemset_get_store_granularity");
	struct pmemset *copy = set;
	expect_refused(pr, pmemset_delete(&copy), "pmemset_delete");
	UT_ASSERT(copy == set);

	/* another set is not locked: it answers */
	pr->other_ok += pmemset_part_map_count(pr->other) == 0;
	return 0;
}

static void
from_callbacks(void)
{
	struct probe pr = { 0 };
	size_t pg = ut_pagesize();
	pr.src = ut_source("reentry", 4 * pg, 'r');
	pr.other = ut_set(NULL, NULL, NULL);
	struct pmemset *set = ut_set(on_event, &pr, NULL);

	/* another part map of the set, held through the removals */
	char *kept = ut_map(set, pr.src, pg, pg);
	pr.kept = ut_pmap(set, kept);
	pr.addr = ut_map(set, pr.src, 0, pg);
	UT_OK(pmemset_remove_range(set, pr.addr, 1)); /* both events */
	UT_ASSERTeq(pr.events, 2);
	UT_ASSERTeq(pr.refused, 2 * 11);
	UT_ASSERTeq(pr.other_ok, 2);
	UT_ASSERTeq(pmemset_part_map_count(set), 1);
	UT_ASSERT(!ut_is_accessible(pr.addr));

	/* after the callback the set is the caller's again */
	pr.addr = ut_map(set, pr.src, 0, pg);
	struct pmemset_part_map *pm = ut_pmap(set, pr.addr);
	UT_OK(pmemset_remove_part_map(set, &pm));
	UT_ASSERTeq(pr.events, 3);
	UT_ASSERTeq(pr.refused, 3 * 11);
	UT_ASSERTeq(pmemset_part_map_count(set), 1);
	struct pmemset_part_descriptor d = pmemset_descriptor_part_map(pr.kept);
	UT_ASSERT(d.addr == kept && d.size == pg);
	pmemset_part_map_drop(&pr.kept);

	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_delete(&pr.other));
	UT_OK(pmemset_source_delete(&pr.src));
}

int
main(void)
{
	UT_RUN(from_callbacks);
	return 0;
}
