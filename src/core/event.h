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

/*
 * event_start -- for the hot events: the type, and zeroes only past a
 * payload of `payload` bytes, which the caller writes next
 */
#define event_start(ctx, ev, payload)                                          \
	do {                                                                   \
		(ctx)->type = (ev);                                            \
		memset((ctx)->data._data + (payload), 0,                       \
		       PMEMSET_EVENT_CONTEXT_SIZE - (payload));                \
	} while (0)

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
	/* flush, persist, remove_range and part_remove share this layout */
	struct pmemset_event_context ctx;
	event_start(&ctx, ev, sizeof(ctx.data.flush));
	ctx.data.flush.addr = addr;
	ctx.data.flush.len = len;
	set->callback(set, &ctx, set->callback_arg);
}

/*
 * event_fire_locked -- event_fire_range for the events fired under the
 * set's write lock: while the callback runs, calls it makes back into the
 * set fail (set_reentry) instead of waiting for the lock for ever
 */
static inline void
event_fire_locked(struct pmemset *set, enum pmemset_event ev, void *addr,
		  size_t len)
{
	if (!event_wanted(set, ev))
		return;
	__atomic_store_n(&set->cb_thread, (unsigned long)pthread_self(),
			 __ATOMIC_RELAXED);
	event_fire_range(set, ev, addr, len);
	__atomic_store_n(&set->cb_thread, 0UL, __ATOMIC_RELAXED);
}

#endif /* PMEMSET_EVENT_H */
