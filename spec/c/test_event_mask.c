/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_event_mask.c -- pmemset_set_event_mask: a live set's subscription
 * changes for the next event (what a policy reload needs), a call from a
 * callback fired under the set's lock is refused, bad arguments change
 * nothing and say why.
 */

#include <pmemset_ext.h>

#include "ut_core.h"

#define P (64 * KiB)

static struct pmemset *
subscribed(struct ut_events *ev, uint64_t mask)
{
	struct pmemset_config *cfg = ut_config(ut_record, ev, NULL);
	UT_OK(pmemset_config_set_event_mask(cfg, mask));
	struct pmemset *set;
	UT_OK(pmemset_new(&set, cfg));
	UT_OK(pmemset_config_delete(&cfg));
	return set;
}

/* a memset on a set subscribed to PART_ADD only reaches it once SET is in */
static void
widen_and_narrow(void)
{
	struct ut_events ev = { 0 };
	struct pmemset *set =
		subscribed(&ev, PMEMSET_EVENT_MASK(PMEMSET_EVENT_PART_ADD));
	struct pmemset_source *src = ut_source("mask", P, 'm');
	char *a = ut_map(set, src, 0, P);
	UT_ASSERTeq(ev.n, 1);
	pmemset_memset(set, a, 'x', 64, PMEMSET_F_MEM_NODRAIN);
	UT_ASSERTeq(ev.n, 1);

	UT_OK(pmemset_set_event_mask(
		set, PMEMSET_EVENT_MASK(PMEMSET_EVENT_PART_ADD) |
			     PMEMSET_EVENT_MASK(PMEMSET_EVENT_SET)));
	pmemset_memset(set, a, 'y', 64, PMEMSET_F_MEM_NODRAIN);
	UT_ASSERTeq(ev.n, 2);
	UT_ASSERTeq(ev.ctx[1].type, PMEMSET_EVENT_SET);
	UT_ASSERTeq(ev.ctx[1].data.set.value, 'y');
	UT_ASSERTeq(a[63], 'y');

	UT_OK(pmemset_set_event_mask(set, 0));
	pmemset_memset(set, a, 'z', 64, PMEMSET_F_MEM_NODRAIN);
	UT_ASSERTeq(ev.n, 2);
	UT_ASSERTeq(a[0], 'z');
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
}

/* from a PART_REMOVE callback (under the set's lock): refused, no hang */
static int reentry_ret;

static int
change_mask_on_remove(struct pmemset *set, struct pmemset_event_context *ctx,
		      void *arg)
{
	(void)arg;
	if (ctx->type == PMEMSET_EVENT_PART_REMOVE)
		reentry_ret = pmemset_set_event_mask(set, 0);
	return 0;
}

static void
refused_under_the_lock(void)
{
	struct pmemset *set = ut_set(change_mask_on_remove, NULL, NULL);
	struct pmemset_source *src = ut_source("mask-reentry", P, 'r');
	char *a = ut_map(set, src, 0, P);
	struct pmemset_part_map *pm = ut_pmap(set, a);
	UT_OK(pmemset_remove_part_map(set, &pm));
	UT_ASSERTeq(reentry_ret, -EDEADLK);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
}

static void
bad_arguments(void)
{
	UT_ERR(pmemset_set_event_mask(NULL, 0), -EINVAL);
	UT_ASSERT(strstr(pmemset_errormsg(), "set is NULL"));

	struct ut_events ev = { 0 };
	struct pmemset *set =
		subscribed(&ev, PMEMSET_EVENT_MASK(PMEMSET_EVENT_PART_ADD));
	UT_ERR(pmemset_set_event_mask(set, PMEMSET_EVENT_MASK_ALL + 1),
	       -EINVAL);
	UT_ASSERT(strstr(pmemset_errormsg(), "has bits for no event"));
	/* unchanged: PART_ADD still arrives */
	struct pmemset_source *src = ut_source("mask-bad", P, 'b');
	ut_map(set, src, 0, P);
	UT_ASSERTeq(ev.n, 1);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));

	set = ut_set(NULL, NULL, NULL);
	UT_ERR(pmemset_set_event_mask(set, 0), -EINVAL);
	UT_ASSERT(strstr(pmemset_errormsg(), "no event callback"));
	UT_OK(pmemset_delete(&set));
}

int
main(void)
{
	UT_RUN(widen_and_narrow);
	UT_RUN(refused_under_the_lock);
	UT_RUN(bad_arguments);
	return 0;
}
