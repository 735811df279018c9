/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sds.c -- shutdown data state (contract §3.10).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "device.h"
#include "err.h"
#include "event.h"
#include "sds.h"
#include "source.h"

/* the device's current view: id (zero-padded) and unsafe-shutdown count */
struct sds_now {
	char id[PMEMSET_SDS_DEVICE_ID_LEN + 1];
	uint64_t usc;
};

static int
sds_read_device(struct pmemset_source *src, struct sds_now *now)
{
	int ret = device_usc(src->dev, &now->usc);
	if (ret == PMEM2_E_NOSUPP)
		return err_msg(PMEMSET_E_SDS_NOSUPP,
			       "the device of the source does not report "
			       "unsafe shutdowns");
	if (ret)
		return err_msg(ret,
			       "cannot read the unsafe-shutdown count "
			       "(%d)",
			       ret);

	size_t len = 0;
	ret = device_id(src->dev, NULL, &len);
	if (ret == PMEM2_E_NOSUPP)
		return err_msg(PMEMSET_E_SDS_NOSUPP,
			       "the device of the source has no id");
	if (ret)
		return err_msg(ret, "cannot read the device id (%d)", ret);
	if (len > PMEMSET_SDS_DEVICE_ID_LEN)
		return err_msg(PMEMSET_E_SDS_DEVICE_ID_LEN_TOO_BIG,
			       "the device id needs %zu bytes, more than %zu",
			       len, PMEMSET_SDS_DEVICE_ID_LEN);
	memset(now->id, 0, sizeof(now->id));
	ret = device_id(src->dev, now->id, &len);
	if (ret)
		return err_msg(ret, "cannot read the device id (%d)", ret);
	return 0;
}

/* sds_classify -- the rules of §3.10; may adopt the current id/usc */
static enum pmemset_part_state
sds_classify(struct pmemset_sds *sds, const struct sds_now *now, bool open)
{
	enum pmemset_part_state base = PMEMSET_PART_STATE_OK;
	if (sds->refcount > 0)
		base = open ? PMEMSET_PART_STATE_OK_BUT_ALREADY_OPEN
			    : PMEMSET_PART_STATE_OK_BUT_INTERRUPTED;

	if (memcmp(sds->id, now->id, PMEMSET_SDS_DEVICE_ID_LEN) == 0) {
		if (sds->usc == now->usc)
			return base;
		if (sds->refcount != 0)
			return PMEMSET_PART_STATE_CORRUPTED;
		sds->usc = now->usc;
		return PMEMSET_PART_STATE_OK;
	}
	if (sds->refcount != 0)
		return PMEMSET_PART_STATE_INDETERMINATE;
	memcpy(sds->id, now->id, PMEMSET_SDS_DEVICE_ID_LEN);
	sds->id[PMEMSET_SDS_DEVICE_ID_LEN] = '\0';
	sds->usc = now->usc;
	return PMEMSET_PART_STATE_OK;
}

static const char *
state_name(enum pmemset_part_state s)
{
	switch (s) {
	case PMEMSET_PART_STATE_INDETERMINATE:
		return "INDETERMINATE";
	case PMEMSET_PART_STATE_OK:
		return "OK";
	case PMEMSET_PART_STATE_OK_BUT_ALREADY_OPEN:
		return "OK_BUT_ALREADY_OPEN";
	case PMEMSET_PART_STATE_OK_BUT_INTERRUPTED:
		return "OK_BUT_INTERRUPTED";
	case PMEMSET_PART_STATE_CORRUPTED:
		return "CORRUPTED";
	}
	return "unknown";
}

/* sds_accept -- the state policy if there is one, else the mask */
static int
sds_accept(struct pmemset *set, struct pmemset_source *src,
	   enum pmemset_part_state state, const struct sds_now *now,
	   const struct pmemset_sds *before, int use_count)
{
	if (set->policy == NULL) {
		if (set->acceptable_states & (uint64_t)state)
			return 0;
		return err_msg(PMEMSET_E_UNDESIRABLE_PART_STATE,
			       "part state %s is not acceptable (mask 0x%llx)",
			       state_name(state),
			       (unsigned long long)set->acceptable_states);
	}
	struct pmemset_state_info info = {
		.state = state,
		.path = src->path,
		.device_id = now->id,
		.usc = now->usc,
		.stored = before,
		.use_count = use_count,
	};
	char why[256] = "";
	if (set->policy(&info, why, sizeof(why), set->policy_arg) == 0)
		return 0;
	why[sizeof(why) - 1] = '\0';
	return err_msg(PMEMSET_E_UNDESIRABLE_PART_STATE,
		       "part state %s refused by the state policy%s%s",
		       state_name(state), why[0] ? ": " : "", why);
}

int
sds_check(struct pmemset *set, struct pmemset_source *src)
{
	if (!src->has_sds)
		return 0;
	struct sds_now now;
	int ret = sds_read_device(src, &now);
	if (ret)
		return ret;

	pthread_mutex_lock(&src->lock);
	struct pmemset_sds before = src->sds;
	int use_count = src->use_count;
	enum pmemset_part_state state =
		sds_classify(&src->sds, &now, use_count > 0);
	if (src->state_ptr)
		*src->state_ptr = state;
	pthread_mutex_unlock(&src->lock);

	/* the policy runs unlocked: it may be a script that takes time */
	return sds_accept(set, src, state, &now, &before, use_count);
}

bool
sds_part_added(struct pmemset_source *src)
{
	pthread_mutex_lock(&src->lock);
	src->use_count++;
	bool counted = src->has_sds;
	if (counted)
		src->sds.refcount++;
	pthread_mutex_unlock(&src->lock);
	return counted;
}

void
sds_fire_update(struct pmemset *set, struct pmemset_source *src)
{
	if (!event_wanted(set, PMEMSET_EVENT_SDS_UPDATE))
		return;
	struct pmemset_event_context ctx;
	event_init(&ctx, PMEMSET_EVENT_SDS_UPDATE);
	ctx.data.sds_update.sds = &src->sds;
	ctx.data.sds_update.src = src;
	event_fire(set, &ctx);
}

void
sds_part_removed(struct pmemset *set, struct pmemset_source *src, bool counted)
{
	pthread_mutex_lock(&src->lock);
	src->use_count--;
	if (counted)
		src->sds.refcount--;
	pthread_mutex_unlock(&src->lock);
	if (counted)
		sds_fire_update(set, src);
}

int
pmemset_source_device_sds(struct pmemset_source *src, struct pmemset_sds *now)
{
	LOG(LOG_CALLS, "pmemset_source_device_sds(src %p, now %p)", (void *)src,
	    (void *)now);
	if (src == NULL || now == NULL || src->dev == NULL)
		return err_msg(-EINVAL, "source or SDS is NULL");
	struct sds_now dev;
	int ret = sds_read_device(src, &dev);
	if (ret)
		return ret;
	memcpy(now->id, dev.id, sizeof(now->id));
	now->usc = dev.usc;
	now->refcount = 0;
	return 0;
}

int
pmemset_source_sds_state(struct pmemset_source *src,
			 enum pmemset_part_state *state)
{
	LOG(LOG_CALLS, "pmemset_source_sds_state(src %p, state %p)",
	    (void *)src, (void *)state);
	if (src == NULL || state == NULL || src->dev == NULL)
		return err_msg(-EINVAL, "source or state is NULL");
	pthread_mutex_lock(&src->lock);
	bool has_sds = src->has_sds;
	pthread_mutex_unlock(&src->lock);
	if (!has_sds)
		return err_msg(-EINVAL, "the source has no SDS");
	struct sds_now now;
	int ret = sds_read_device(src, &now);
	if (ret)
		return ret;
	/* classify a copy: a probe adopts no id or count */
	pthread_mutex_lock(&src->lock);
	struct pmemset_sds copy = src->sds;
	*state = sds_classify(&copy, &now, src->use_count > 0);
	pthread_mutex_unlock(&src->lock);
	return 0;
}
