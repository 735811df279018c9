/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * set.c -- pmemset_new, pmemset_delete, the part-map registry and its
 * lookups: part_map_by_address, first/next, drop, descriptor.
 */

#include <errno.h>
#include <sched.h>
#include <stdlib.h>

#include "arena.h"
#include "config.h"
#include "err.h"
#include "index.h"
#include "part.h"
#include "set.h"
#include "tree_floor.h"

static int
part_cmp(const struct part *a, const struct part *b)
{
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

static int
pmap_cmp(const struct pmemset_part_map *a, const struct pmemset_part_map *b)
{
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

RB_GENERATE(part_tree, part, node, part_cmp)
RB_GENERATE(pmap_tree, pmemset_part_map, node, pmap_cmp)

struct part *
set_part_at(struct pmemset *set, const char *addr)
{
	struct part *p;
	TREE_FLOOR(struct part, node, RB_ROOT(&set->parts), addr, p);
	return p && addr < p->addr + p->size ? p : NULL;
}

struct part *
set_first_part_from(struct pmemset *set, const char *addr)
{
	struct part *p;
	TREE_FLOOR(struct part, node, RB_ROOT(&set->parts), addr, p);
	if (p && addr < p->addr + p->size)
		return p;
	return p ? RB_NEXT(part_tree, &set->parts, p)
		 : RB_MIN(part_tree, &set->parts);
}

struct pmemset_part_map *
set_pmap_at(struct pmemset *set, const char *addr)
{
	struct pmemset_part_map *m;
	if (!index_floor(set, addr, &m))
		TREE_FLOOR(struct pmemset_part_map, node, RB_ROOT(&set->pmaps),
			   addr, m);
	return m && addr < m->addr + m->size ? m : NULL;
}

struct pmemset_part_map *
set_first_pmap_from(struct pmemset *set, const char *addr)
{
	struct pmemset_part_map *m;
	TREE_FLOOR(struct pmemset_part_map, node, RB_ROOT(&set->pmaps), addr,
		   m);
	if (m && addr < m->addr + m->size)
		return m;
	return m ? RB_NEXT(pmap_tree, &set->pmaps, m)
		 : RB_MIN(pmap_tree, &set->pmaps);
}

int
set_reentered(const char *fn)
{
	return err_msg(-EDEADLK,
		       "%s: called from a PART_REMOVE or REMOVE_RANGE callback "
		       "of the same set, which runs under the set's lock",
		       fn);
}

/* no-ops until the first part fixes the set's granularity */
static void *
noop_memcpy(void *dst, const void *src, size_t len, unsigned flags)
{
	(void)src, (void)len, (void)flags;
	return dst;
}

static void *
noop_memset(void *dst, int c, size_t len, unsigned flags)
{
	(void)c, (void)len, (void)flags;
	return dst;
}

static void
noop_flush(const void *ptr, size_t size)
{
	(void)ptr, (void)size;
}

static void
noop_drain(void)
{
}

static const struct mem_fns noop_fns = {
	.memcpy = noop_memcpy,
	.memmove = noop_memcpy,
	.memset = noop_memset,
	.persist = noop_flush,
	.flush = noop_flush,
	.drain = noop_drain,
};

/* store one pointer so data-path readers on other threads see it whole */
#define FN_STORE(dst, val) __atomic_store_n(&(dst), (val), __ATOMIC_RELEASE)

void
set_fix_granularity(struct pmemset *set, struct pmem2_map *map)
{
	set->effective_granularity = pmem2_map_get_store_granularity(map);
	FN_STORE(set->fns.memcpy, pmem2_get_memcpy_fn(map));
	FN_STORE(set->fns.memmove, pmem2_get_memmove_fn(map));
	FN_STORE(set->fns.memset, pmem2_get_memset_fn(map));
	FN_STORE(set->fns.persist, pmem2_get_persist_fn(map));
	FN_STORE(set->fns.flush, pmem2_get_flush_fn(map));
	FN_STORE(set->fns.drain, pmem2_get_drain_fn(map));
}

void
set_forget_granularity(struct pmemset *set)
{
	/*
	 * The functions stay: a racing data-path call on a set that just
	 * emptied is the caller's error, and libpmem2's functions are global,
	 * so it still runs valid code.
	 */
	set->effective_granularity = PMEM2_GRANULARITY_PAGE;
}

/* the id of the last set made: the iteration hint tells sets apart by it */
static uint64_t Set_ids;

int
pmemset_new(struct pmemset **set, struct pmemset_config *cfg)
{
	LOG(LOG_CALLS, "pmemset_new(set %p, cfg %p)", (void *)set, (void *)cfg);
	if (set == NULL)
		return err_msg(-EINVAL, "set pointer is NULL");
	*set = NULL;
	if (cfg == NULL || !cfg->granularity_set)
		return err_msg(PMEMSET_E_GRANULARITY_NOT_SET,
			       "the config has no required store granularity");

	struct pmemset *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return err_errno(-ENOMEM, ENOMEM, "cannot allocate a set");
	/*
	 * Writers first: with glibc's default, a stream of lookups can keep
	 * map and remove waiting for seconds.
	 */
	pthread_rwlockattr_t attr;
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(
		&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	int lock_ret = pthread_rwlock_init(&s->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	if (lock_ret != 0) {
		free(s);
		return err_errno(-ENOMEM, ENOMEM, "cannot create the set lock");
	}
	RB_INIT(&s->parts);
	RB_INIT(&s->pmaps);
	index_init(s);
	s->id = __atomic_add_fetch(&Set_ids, 1, __ATOMIC_RELAXED);
	s->fns = noop_fns;
	s->callback = cfg->callback;
	s->callback_arg = cfg->callback_arg;
	s->event_mask = cfg->callback ? cfg->event_mask : 0;
	s->coalescing = PMEMSET_COALESCING_NONE;
	s->required_granularity = cfg->granularity;
	s->acceptable_states = cfg->acceptable_states;
	s->policy = cfg->policy;
	s->policy_arg = cfg->policy_arg;
	s->caller_rsv = cfg->rsv;
	if (cfg->rsv) {
		int ret = arena_init_caller(s, cfg->rsv);
		if (ret) {
			pthread_rwlock_destroy(&s->lock);
			free(s);
			return ret;
		}
	}
	LOG(LOG_BASIC, "new set %p", (void *)s);
	*set = s;
	return 0;
}

int
pmemset_delete(struct pmemset **set)
{
	LOG(LOG_CALLS, "pmemset_delete(set %p)", (void *)set);
	if (set == NULL || *set == NULL)
		return 0;
	struct pmemset *s = *set;
	int ret = set_reentry(s, "pmemset_delete");
	if (ret)
		return ret;

	struct part *p, *ptmp, *gone = NULL;
	RB_FOREACH_SAFE(p, part_tree, &s->parts, ptmp)
	part_unpublish(s, p, &gone);
	parts_unmap(s, gone, NULL, NULL);

	pmap_pool_destroy(s); /* every part map, referenced or not */
	index_destroy(s);
	arena_destroy_all(s);
	pthread_rwlock_destroy(&s->lock);
	LOG(LOG_BASIC, "deleted set %p", (void *)s);
	free(s);
	*set = NULL;
	return 0;
}

int
pmemset_get_store_granularity(struct pmemset *set, enum pmem2_granularity *g)
{
	if (set == NULL || g == NULL)
		return err_msg(-EINVAL, "set or granularity pointer is NULL");
	int ret = set_reentry(set, "pmemset_get_store_granularity");
	if (ret)
		return ret;
	pthread_rwlock_rdlock(&set->lock);
	int empty = set->nparts == 0;
	enum pmem2_granularity eg = set->effective_granularity;
	pthread_rwlock_unlock(&set->lock);
	if (empty)
		return err_msg(
			PMEMSET_E_NO_PART_MAPPED,
			"no part is mapped: the set has no store granularity "
			"yet");
	*g = eg;
	return 0;
}

int
pmemset_set_contiguous_part_coalescing(struct pmemset *set,
				       enum pmemset_coalescing value)
{
	LOG(LOG_CALLS, "pmemset_set_contiguous_part_coalescing(set %p, %d)",
	    (void *)set, (int)value);
	if (set == NULL)
		return err_msg(-EINVAL, "set is NULL");
	switch (value) {
	case PMEMSET_COALESCING_NONE:
	case PMEMSET_COALESCING_OPPORTUNISTIC:
	case PMEMSET_COALESCING_FULL:
		break;
	default:
		return err_msg(PMEMSET_E_INVALID_COALESCING_VALUE,
			       "invalid coalescing value %d", (int)value);
	}
	int ret = set_reentry(set, "pmemset_set_contiguous_part_coalescing");
	if (ret)
		return ret;
	pthread_rwlock_wrlock(&set->lock);
	set->coalescing = value;
	pthread_rwlock_unlock(&set->lock);
	return 0;
}

/*
 * what lock-free readers load: acquire, so the check of the sequence count
 * that follows cannot be done before these loads
 */
#define LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)

/* seq_begin -- the sequence count once no writer is inside */
static unsigned long
seq_begin(struct pmemset *set)
{
	unsigned long s;
	unsigned spins = 0;
	while ((s = __atomic_load_n(&set->seq, __ATOMIC_ACQUIRE)) & 1)
		if (++spins % 128 == 0)
			sched_yield(); /* the writer may have been preempted */
	return s;
}

/* seq_moved -- whether a writer changed anything since seq_begin gave s */
static bool
seq_moved(struct pmemset *set, unsigned long s)
{
	return __atomic_load_n(&set->seq, __ATOMIC_SEQ_CST) != s;
}

/*
 * pmap_find_locked -- the fallback while the index is dropped: the tree,
 * under the read lock. cur: the part map `next` follows, or NULL.
 */
static struct pmemset_part_map *
pmap_find_locked(struct pmemset *set, const char *addr, int next,
		 struct pmemset_part_map *cur)
{
	pthread_rwlock_rdlock(&set->lock);
	struct pmemset_part_map *m;
	if (!next)
		m = set_pmap_at(set, addr);
	else if (cur)
		m = RB_NEXT(pmap_tree, &set->pmaps, cur);
	else
		m = RB_MIN(pmap_tree, &set->pmaps);
	pmap_ref(m);
	pthread_rwlock_unlock(&set->lock);
	return m;
}

/*
 * The last part map this thread found by first/next, and where: while the
 * set's count has not moved, the next one is the entry after it, with no
 * search. (Not initial-exec: the library is also loaded by dlopen, with
 * the Lua module, where static TLS may be used up.)
 */
struct iter_hint {
	struct pmemset *set;
	uint64_t set_id; /* a set made where a deleted one was is another */
	struct pmemset_part_map *m;
	unsigned long seq;
	struct index_pos pos;
};
static __thread struct iter_hint Hint;

/*
 * pmap_next -- referenced: the part map after the part map cur (the first
 * one when cur is NULL), NULL if none or if cur is not set's. Without a
 * lock: the index is read (or, while the count has not moved, the hint
 * followed), the candidate referenced, and the whole retried if a writer
 * was at work meanwhile (set.h). Following the hint reads nothing of cur:
 * the hint says cur is set's, and a lookup's reference leaves cur's line
 * alone, so iteration waits for no part map.
 */
static inline __attribute__((always_inline)) struct pmemset_part_map *
pmap_next(struct pmemset *set, struct pmemset_part_map *cur)
{
	/* the position is found in place: copying it costs a forwarding stall
	 */
	struct iter_hint *h = &Hint;
	for (;;) {
		unsigned long s = seq_begin(set);
		struct pmemset_part_map *m;
		if (cur && h->m == cur && h->set == set && h->seq == s &&
		    h->set_id == set->id) {
			m = index_after(&h->pos);
		} else {
			h->m = NULL;
			/* cur is referenced: its start cannot move (only its
			 * size grow) */
			if (cur && LOAD(&cur->set) != set)
				return NULL;
			const char *addr = cur ? LOAD(&cur->addr) : NULL;
			if (!index_floor_at(set, addr, 1, &m, &h->pos))
				return pmap_find_locked(set, addr, 1, cur);
		}
		pmap_ref(m);
		bool moved = seq_moved(set, s);
		h->m = moved ? NULL : m;
		if (!moved) {
			h->set = set;
			h->set_id = set->id;
			h->seq = s;
			return m;
		}
		if (m)
			pmap_unref(m);
	}
}

/*
 * pmap_lookup -- referenced: the part map containing addr, or NULL. Kept
 * apart from pmap_next: a lookup has no use for the iteration hint, and
 * reaching it (thread-local) and keeping it cost it time.
 */
static struct pmemset_part_map *
pmap_lookup(struct pmemset *set, const char *addr)
{
	for (;;) {
		unsigned long s = seq_begin(set);
		struct pmemset_part_map *m;
		if (!index_floor(set, addr, &m))
			return pmap_find_locked(set, addr, 0, NULL);
		pmap_ref(m);
		if (!seq_moved(set, s))
			return m;
		if (m)
			pmap_unref(m);
	}
}

int
pmemset_part_map_by_address(struct pmemset *set, struct pmemset_part_map **pmap,
			    void *addr)
{
	if (pmap == NULL)
		return err_msg(-EINVAL, "part map pointer is NULL");
	*pmap = NULL;
	if (set == NULL)
		return err_msg(-EINVAL, "set is NULL");
	int ret = set_reentry(set, "pmemset_part_map_by_address");
	if (ret)
		return ret;
	*pmap = pmap_lookup(set, addr);
	if (*pmap == NULL)
		return err_msg(PMEMSET_E_CANNOT_FIND_PART_MAP,
			       "no part map contains address %p", addr);
	return 0;
}

void
pmemset_first_part_map(struct pmemset *set, struct pmemset_part_map **pmap)
{
	if (pmap == NULL)
		return;
	*pmap = NULL;
	if (set == NULL || set_reentry(set, "pmemset_first_part_map"))
		return;
	*pmap = pmap_next(set, NULL);
}

void
pmemset_next_part_map(struct pmemset *set, struct pmemset_part_map *cur,
		      struct pmemset_part_map **next)
{
	if (next == NULL)
		return;
	*next = NULL;
	if (set == NULL || cur == NULL ||
	    set_reentry(set, "pmemset_next_part_map"))
		return;
	*next = pmap_next(set, cur);
}

void
pmemset_part_map_drop(struct pmemset_part_map **pmap)
{
	if (pmap == NULL || *pmap == NULL)
		return;
	struct pmemset_part_map *m = *pmap;
	*pmap = NULL;
	pmap_unref(m);
}

struct pmemset_part_descriptor
pmemset_descriptor_part_map(struct pmemset_part_map *pmap)
{
	struct pmemset_part_descriptor d = { NULL, 0 };
	if (pmap == NULL)
		return d;
	struct pmemset *set = LOAD(&pmap->set);
	if (set_reentry(set, "pmemset_descriptor_part_map"))
		return d;
	/* a coalescing map may grow it meanwhile */
	unsigned long s;
	do {
		s = seq_begin(set);
		d.addr = LOAD(&pmap->addr);
		d.size = LOAD(&pmap->size);
	} while (seq_moved(set, s));
	return d;
}

uint64_t
pmemset_part_map_serial(const struct pmemset_part_map *pmap)
{
	return pmap ? pmap_chunk(pmap)->serials[pmap_slot(pmap)] : 0;
}

size_t
pmemset_part_map_count(struct pmemset *set)
{
	if (set == NULL || set_reentry(set, "pmemset_part_map_count"))
		return 0;
	return LOAD(&set->npmaps);
}

/*
 * pmemset_set_event_mask -- a live set's subscription changes when its
 * host swaps the policy (pmemset_lua_reload_policy): the data path reads
 * the mask without the lock, so the store is one atomic word.
 */
int
pmemset_set_event_mask(struct pmemset *set, uint64_t mask)
{
	if (set == NULL)
		return err_msg(-EINVAL, "pmemset_set_event_mask: set is NULL");
	if (mask & ~PMEMSET_EVENT_MASK_ALL)
		return err_msg(-EINVAL,
			       "pmemset_set_event_mask: mask 0x%llx has bits "
			       "for no event (valid mask 0x%llx)",
			       (unsigned long long)mask,
			       (unsigned long long)PMEMSET_EVENT_MASK_ALL);
	if (set->callback == NULL)
		return err_msg(-EINVAL, "pmemset_set_event_mask: the set has "
					"no event callback");
	int ret = set_reentry(set, "pmemset_set_event_mask");
	if (ret)
		return ret; /* a callback fired under the write lock */
	pthread_rwlock_wrlock(&set->lock);
	__atomic_store_n(&set->event_mask, mask, __ATOMIC_RELAXED);
	pthread_rwlock_unlock(&set->lock);
	return 0;
}
