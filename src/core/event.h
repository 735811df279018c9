/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * event.h -- delivering events to the set's callback.
 */

#ifndef PMEMSET_EVENT_H
#define PMEMSET_EVENT_H 1

#include <string.h>

#include "set.h"

/* event_wanted -- the one test the data path makes */
#define event_wanted(set, ev)                                                  \
	__builtin_expect(((set)->event_mask & PMEMSET_EVENT_MASK(ev)) != 0, 0)

/* event_init -- a zeroed context of type ev, on the caller's stack */
static inline void
event_init(struct pmemset_event_context *ctx, enum pmemset_event ev)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->type = ev;
}

/* event_fire -- call the callback if ctx->type is wanted; its result */
static inline int
event_fire(struct pmemset *set, struct pmemset_event_context *ctx)
{
	if (!event_wanted(set, ctx->type))
		return 0;
	return set->callback(set, ctx, set->callback_arg);
}

/* event_fire_range -- the events whose payload is {addr, len} */
static inline void
event_fire_range(struct pmemset *set, enum pmemset_event ev, void *addr,
		 size_t len)
{
	if (!event_wanted(set, ev))
		return;
	struct pmemset_event_context ctx;
	event_init(&ctx, ev);
	/* flush, persist, remove_range and part_remove share this layout */
	ctx.data.flush.addr = addr;
	ctx.data.flush.len = len;
	set->callback(set, &ctx, set->callback_arg);
}

#endif /* PMEMSET_EVENT_H */
