/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mem.c -- the data path: memcpy, memmove, memset, persist, flush, drain,
 * deep_flush (contract §3.13, §3.14).
 *
 * Without a subscribed event and with valid flags, each call is one
 * predictable test and a call through the libpmem2 function resolved when
 * the set's granularity was fixed: no lock, no allocation, no lookup. The
 * range is the caller's to keep inside the set (as with libpmem2 itself);
 * only deep_flush looks the range up, as it must find the parts.
 */

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "err.h"
#include "event.h"
#include "flush.h"
#include "part.h"
#include "set.h"

#define LOAD_FN(f) __atomic_load_n(&(f), __ATOMIC_RELAXED)

#define MEM_EVENTS(ev)                                                         \
	(PMEMSET_EVENT_MASK(ev) | PMEMSET_EVENT_MASK(PMEMSET_EVENT_DRAIN))

/* mem_slow -- one test for both rare cases: bad flags or wanted events */
#define mem_slow(set, flags, ev)                                               \
	__builtin_expect(((flags) & ~PMEMSET_F_MEM_VALID_FLAGS) |              \
				 (set_event_mask(set) & MEM_EVENTS(ev)),       \
			 0)

static void *
mem_bad_flags(const char *fn, unsigned flags)
{
	err_msg(-EINVAL,
		"%s: invalid flags 0x%x (valid: 0x%x); nothing was written", fn,
		flags, PMEMSET_F_MEM_VALID_FLAGS);
	return NULL;
}

static void *
mem_no_set(const char *fn)
{
	err_msg(-EINVAL, "%s: set is NULL; nothing was written", fn);
	return NULL;
}

/*
 * The slow paths below run only when an event is subscribed (or the flags
 * are bad): one load of the mask, the payload written once with only the
 * bytes after it zeroed, and the libpmem2 function tail-called unless a
 * DRAIN event must follow it.
 */

/* drain_follows -- whether a DRAIN event must fire after the operation */
#define drain_follows(mask, flags)                                             \
	(((mask)&PMEMSET_EVENT_MASK(PMEMSET_EVENT_DRAIN)) &&                   \
	 !((flags)&PMEMSET_F_MEM_NODRAIN))

/*
 * copy and move share one payload layout and one slow path, instantiated
 * once per event. A slow path takes the public function's arguments in
 * the same order, so the fast path reaches it with a jump and no moves,
 * and it loads the libpmem2 function itself, after the callback, so it
 * keeps one register fewer across it.
 */
static inline __attribute__((always_inline)) void *
mem_copy_slow(struct pmemset *set, enum pmemset_event ev, void *dest, void *src,
	      size_t len, unsigned flags)
{
	if (flags & ~PMEMSET_F_MEM_VALID_FLAGS)
		return mem_bad_flags(ev == PMEMSET_EVENT_COPY
					     ? "pmemset_memcpy"
					     : "pmemset_memmove",
				     flags);
	uint64_t mask = set_event_mask(set);
	if (mask & PMEMSET_EVENT_MASK(ev)) {
		struct pmemset_event_context ctx;
		event_start(&ctx, ev, sizeof(ctx.data.copy));
		ctx.data.copy.src = src;
		ctx.data.copy.dest = dest;
		ctx.data.copy.len = len;
		ctx.data.copy.flags = flags;
		set->callback(set, &ctx, set->callback_arg);
	}
	/* memcpy and memmove functions have one type */
	pmem2_memcpy_fn fn = ev == PMEMSET_EVENT_COPY
				     ? LOAD_FN(set->fns.memcpy)
				     : LOAD_FN(set->fns.memmove);
	if (!drain_follows(mask, flags))
		return fn(dest, src, len, flags);
	fn(dest, src, len, flags);
	event_fire_range(set, PMEMSET_EVENT_DRAIN, NULL, 0);
	return dest;
}

static __attribute__((noinline)) void *
memcpy_slow(struct pmemset *set, void *dest, void *src, size_t len,
	    unsigned flags)
{
	return mem_copy_slow(set, PMEMSET_EVENT_COPY, dest, src, len, flags);
}

static __attribute__((noinline)) void *
memmove_slow(struct pmemset *set, void *dest, void *src, size_t len,
	     unsigned flags)
{
	return mem_copy_slow(set, PMEMSET_EVENT_MOVE, dest, src, len, flags);
}

void *
pmemset_memcpy(struct pmemset *set, void *pmemdest, void *src, size_t len,
	       unsigned flags)
{
	if (set == NULL)
		return mem_no_set("pmemset_memcpy");
	if (mem_slow(set, flags, PMEMSET_EVENT_COPY))
		return memcpy_slow(set, pmemdest, src, len, flags);
	return LOAD_FN(set->fns.memcpy)(pmemdest, src, len, flags);
}

void *
pmemset_memmove(struct pmemset *set, void *pmemdest, void *src, size_t len,
		unsigned flags)
{
	if (set == NULL)
		return mem_no_set("pmemset_memmove");
	if (mem_slow(set, flags, PMEMSET_EVENT_MOVE))
		return memmove_slow(set, pmemdest, src, len, flags);
	return LOAD_FN(set->fns.memmove)(pmemdest, src, len, flags);
}

static __attribute__((noinline)) void *
mem_set_slow(struct pmemset *set, void *dest, int c, size_t len, unsigned flags)
{
	if (flags & ~PMEMSET_F_MEM_VALID_FLAGS)
		return mem_bad_flags("pmemset_memset", flags);
	uint64_t mask = set_event_mask(set);
	if (mask & PMEMSET_EVENT_MASK(PMEMSET_EVENT_SET)) {
		struct pmemset_event_context ctx;
		event_start(&ctx, PMEMSET_EVENT_SET, sizeof(ctx.data.set));
		ctx.data.set.dest = dest;
		ctx.data.set.value = c;
		ctx.data.set.len = len;
		ctx.data.set.flags = flags;
		set->callback(set, &ctx, set->callback_arg);
	}
	pmem2_memset_fn fn = LOAD_FN(set->fns.memset);
	if (!drain_follows(mask, flags))
		return fn(dest, c, len, flags);
	fn(dest, c, len, flags);
	event_fire_range(set, PMEMSET_EVENT_DRAIN, NULL, 0);
	return dest;
}

void *
pmemset_memset(struct pmemset *set, void *pmemdest, int c, size_t len,
	       unsigned flags)
{
	if (set == NULL)
		return mem_no_set("pmemset_memset");
	if (mem_slow(set, flags, PMEMSET_EVENT_SET))
		return mem_set_slow(set, pmemdest, c, len, flags);
	return LOAD_FN(set->fns.memset)(pmemdest, c, len, flags);
}

#define FLUSH_EVENTS                                                           \
	(PMEMSET_EVENT_MASK(PMEMSET_EVENT_FLUSH) |                             \
	 PMEMSET_EVENT_MASK(PMEMSET_EVENT_DRAIN))

int
pmemset_persist(struct pmemset *set, void *ptr, size_t size)
{
	if (set == NULL)
		return err_msg(-EINVAL, "pmemset_persist: set is NULL");
	if (__builtin_expect((set_event_mask(set) & FLUSH_EVENTS) != 0, 0)) {
		event_fire_range(set, PMEMSET_EVENT_FLUSH, ptr, size);
		LOAD_FN(set->fns.persist)(ptr, size);
		event_fire_range(set, PMEMSET_EVENT_DRAIN, NULL, 0);
		return 0;
	}
	LOAD_FN(set->fns.persist)(ptr, size);
	return 0;
}

int
pmemset_flush(struct pmemset *set, void *ptr, size_t size)
{
	if (set == NULL)
		return err_msg(-EINVAL, "pmemset_flush: set is NULL");
	if (event_wanted(set, PMEMSET_EVENT_FLUSH))
		event_fire_range(set, PMEMSET_EVENT_FLUSH, ptr, size);
	LOAD_FN(set->fns.flush)(ptr, size);
	return 0;
}

int
pmemset_drain(struct pmemset *set)
{
	if (set == NULL)
		return err_msg(-EINVAL, "pmemset_drain: set is NULL");
	LOAD_FN(set->fns.drain)();
	if (event_wanted(set, PMEMSET_EVENT_DRAIN))
		event_fire_range(set, PMEMSET_EVENT_DRAIN, NULL, 0);
	return 0;
}

int
set_deep_flush_locked(struct pmemset *set, char *addr, size_t len)
{
	uintptr_t end_u;
	if (__builtin_add_overflow((uintptr_t)addr, len, &end_u))
		end_u = UINTPTR_MAX;
	char *end = (char *)end_u;
	struct part *p = set_first_part_from(set, addr);
	for (; p && p->addr < end; p = RB_NEXT(part_tree, &set->parts, p)) {
		char *lo = p->addr > addr ? p->addr : addr;
		char *hi = p->addr + p->size < end ? p->addr + p->size : end;
		int ret = pmem2_deep_flush(p->map, lo, (size_t)(hi - lo));
		if (ret)
			return err_pmem2(PMEMSET_E_DEEP_FLUSH_FAIL, ret,
					 "deep flush of [%p, %p) failed",
					 (void *)lo, (void *)hi);
	}
	return 0;
}

int
pmemset_deep_flush(struct pmemset *set, void *ptr, size_t size)
{
	if (set == NULL)
		return err_msg(-EINVAL, "pmemset_deep_flush: set is NULL");
	int ret = set_reentry(set, "pmemset_deep_flush");
	if (ret)
		return ret;
	pthread_rwlock_rdlock(&set->lock);
	ret = set_deep_flush_locked(set, ptr, size);
	pthread_rwlock_unlock(&set->lock);
	return ret;
}
