/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * set.h -- struct pmemset, its parts and part maps.
 *
 * A part is one libpmem2 mapping of one source range. A part map is a run of
 * address-adjacent parts that coalescing joined (or a single part). Both are
 * kept in red-black trees ordered by address (<bsd/sys/tree.h>), so lookup,
 * next, insert and remove are O(log n).
 *
 * Locking: set->lock (a rwlock) guards the trees, the arenas, the anchor and
 * the effective granularity. map and remove take it for writing, only
 * around their bookkeeping (never across pmem2_map_new, a deep flush or an
 * unmap: map.c, part.h); deep_flush and get_store_granularity for reading.
 *
 * Lookups, first/next, the descriptor and the count take no lock: they
 * read the address index, part-map addresses and sizes and npmaps, which
 * writers change only between set_write_begin and set_write_end (the
 * sequence count set->seq is odd meanwhile), with atomic stores, in memory
 * that is never freed before pmemset_delete (part maps: pmap_pool.c; the
 * index: index.c). A reader retries when the count moved under it. A
 * reader's reference (pmap_ref) and a remover's check of it pair up through
 * the count: the reader takes the reference and then reads the count, the
 * remover makes the count odd and then reads the references, so either
 * the reader retries or the remover sees the reference (and refuses).
 * The data path takes no lock: it reads only the hot fields at the top of
 * struct pmemset.
 */

#ifndef PMEMSET_SET_H
#define PMEMSET_SET_H 1

#include <pthread.h>
#include <stdbool.h>
#include <bsd/sys/tree.h>

#include <libpmemset.h>
#include "pmemset_ext.h"
#include "index.h"

struct arena;
struct pmemset_source;

struct part {
	RB_ENTRY(part) node;
	char *addr;
	size_t size;
	struct pmem2_map *map;
	struct pmemset_source *src; /* held: source_hold() */
	struct arena *arena;
	bool sds;		/* counted in the source's SDS refcount */
	struct part *gone_next; /* once unpublished: list of parts to unmap */
	bool unmapped;		/* once unpublished: pmem2_map_delete worked */
};

/*
 * A part map is one cache line, with what a lookup reads first. Readers
 * never write it: its references are counted in its chunk (pmap_ref).
 */
struct pmemset_part_map {
	_Alignas(64) char *addr;
	size_t size;
	struct pmemset *set;
	RB_ENTRY(pmemset_part_map) node;
};

/*
 * Part maps come from chunks of the set (pmap_pool.c), which also hold
 * their reference counts, split in PMAP_SHARDS shards: a thread counts in
 * its own shard (threads are dealt shards in turn), the references of a
 * part map are the sum. One shared counter per part map was a cache line
 * every reader wrote: two readers of the same part maps ran at 0.6-1.3
 * times one reader, against 2.0 without the counter (bench_readers).
 * Neighbouring counts of one shard share lines; only that shard's
 * threads write them.
 */
#define PMAP_CHUNK	 256
#define PMAP_SHARDS	 8
#define PMAP_CHUNK_ALIGN 32768 /* a power of two, >= sizeof(pmap_chunk) */

struct pmap_chunk {
	struct pmemset_part_map maps[PMAP_CHUNK]; /* first: see pmap_chunk() */
	_Alignas(64) int refs[PMAP_SHARDS][PMAP_CHUNK]; /* atomic */
	uint64_t serials[PMAP_CHUNK]; /* unique in the set: a reused slot */
	struct pmap_chunk *next;
};

/*
 * pmap_chunk/pmap_slot -- where m lies: chunks are aligned to
 * PMAP_CHUNK_ALIGN, so both are arithmetic on m's address, and a
 * reference (pmap_counter) waits for no load from the part map
 */
static inline struct pmap_chunk *
pmap_chunk(const struct pmemset_part_map *m)
{
	return (struct pmap_chunk *)((uintptr_t)m &
				     ~(uintptr_t)(PMAP_CHUNK_ALIGN - 1));
}

static inline size_t
pmap_slot(const struct pmemset_part_map *m)
{
	return (size_t)(m - pmap_chunk(m)->maps);
}

/*
 * where this thread's shard lies in a chunk: offsetof(refs[shard]), never
 * 0 once dealt (pmap_pool.c); 0 before the thread's first reference
 */
extern __thread size_t pmap_shard_offset;
int *pmap_counter_first(struct pmemset_part_map *m);

/* pmap_counter -- the reference count of m in the calling thread's shard */
static inline int *
pmap_counter(struct pmemset_part_map *m)
{
	size_t off = pmap_shard_offset;
	if (__builtin_expect(off == 0, 0))
		return pmap_counter_first(m);
	return (int *)((char *)pmap_chunk(m) + off) + pmap_slot(m);
}

/*
 * pmap_ref/pmap_unref -- one reference more or less. The increment is
 * sequentially consistent: a lock-free reader takes the reference and
 * then reads the set's count (set.h). Release on the way down: a remover
 * that sees the sum drop may free the part map.
 */
static inline struct pmemset_part_map *
pmap_ref(struct pmemset_part_map *m)
{
	if (m)
		__atomic_add_fetch(pmap_counter(m), 1, __ATOMIC_SEQ_CST);
	return m;
}

static inline void
pmap_unref(struct pmemset_part_map *m)
{
	__atomic_sub_fetch(pmap_counter(m), 1, __ATOMIC_RELEASE);
}

RB_HEAD(part_tree, part);
RB_HEAD(pmap_tree, pmemset_part_map);

/* the data-path functions for the set's effective granularity */
struct mem_fns {
	pmem2_memcpy_fn memcpy;
	pmem2_memmove_fn memmove;
	pmem2_memset_fn memset;
	pmem2_persist_fn persist;
	pmem2_flush_fn flush;
	pmem2_drain_fn drain;
};

/* set_event_mask -- the subscription, as the data path reads it (a relaxed
 * atomic load: a plain load on x86, and no data race for TSan) */
#define set_event_mask(set)                                                    \
	__atomic_load_n(&(set)->event_mask, __ATOMIC_RELAXED)

struct pmemset {
	/* hot: read by every data-path call, written only under lock */
	uint64_t event_mask; /* 0 when there is no callback; read with
			      * set_event_mask(): pmemset_set_event_mask may
			      * change it while the data path runs */
	pmemset_event_callback *callback;
	void *callback_arg;
	struct mem_fns fns;

	uint64_t id; /* unique in the process (the iteration hint, set.c) */

	pthread_rwlock_t lock;
	/*
	 * atomic: the thread running a callback fired under the write lock
	 * (PART_REMOVE, REMOVE_RANGE), or 0. That thread must not call back
	 * into the set: it would wait for its own lock.
	 */
	unsigned long cb_thread;
	unsigned long
		seq; /* atomic: odd while a writer changes what readers read */
	struct part_tree parts;
	struct pmap_tree pmaps;
	struct pmap_index index;	/* fast path of part_map_by_address */
	struct pmap_chunk *pmap_chunks; /* where part maps live (pmap_pool.c) */
	struct pmemset_part_map *pmap_free;
	uint64_t pmap_serial; /* of the last part map made (pmap_alloc) */
	size_t npmaps;
	size_t nparts;
	struct pmemset_part_map *anchor; /* coalescing anchor or NULL */
	enum pmemset_coalescing coalescing;

	enum pmem2_granularity required_granularity;
	enum pmem2_granularity effective_granularity; /* when nparts > 0 */

	uint64_t acceptable_states;
	pmemset_state_policy *policy;
	void *policy_arg;

	struct pmem2_vm_reservation *caller_rsv;
	struct arena *arenas; /* list of every arena of the set */
};

RB_PROTOTYPE(part_tree, part, node, part_cmp)
RB_PROTOTYPE(pmap_tree, pmemset_part_map, node, pmap_cmp)

/* set_part_at -- the part containing addr, or NULL */
struct part *set_part_at(struct pmemset *set, const char *addr);

/* set_first_part_from -- the lowest part ending above addr, or NULL */
struct part *set_first_part_from(struct pmemset *set, const char *addr);

/* set_pmap_at -- the part map containing addr, or NULL */
struct pmemset_part_map *set_pmap_at(struct pmemset *set, const char *addr);

/* set_first_pmap_from -- the lowest part map ending above addr, or NULL */
struct pmemset_part_map *set_first_pmap_from(struct pmemset *set,
					     const char *addr);

/*
 * pmap_alloc/pmap_free -- part maps come from chunks of the set, so a set's
 * part maps are dense in memory (lookups in a large set touch fewer pages).
 * With the set's write lock held. pmap_alloc returns a part map or NULL;
 * its reference count is 0 apart from lock-free readers' passing ones.
 */
struct pmemset_part_map *pmap_alloc(struct pmemset *set);
void pmap_free(struct pmemset *set, struct pmemset_part_map *m);
void pmap_pool_destroy(struct pmemset *set);

/* set_reentered -- the message and code of a call refused by set_reentry */
int set_reentered(const char *fn);

/*
 * set_reentry -- 0, or a negative code with a message when the calling
 * thread is inside a callback the set fired under its write lock. One load
 * of a field that is 0 except while such a callback runs.
 */
static inline int
set_reentry(struct pmemset *set, const char *fn)
{
	unsigned long t = __atomic_load_n(&set->cb_thread, __ATOMIC_RELAXED);
	if (__builtin_expect(t != 0, 0) && t == (unsigned long)pthread_self())
		return set_reentered(fn);
	return 0;
}

/*
 * STORE -- a field lock-free readers load (part maps, npmaps); release, so
 * a reader that sees it also sees the count made odd before it
 */
#define STORE(dst, v) __atomic_store_n(&(dst), (v), __ATOMIC_RELEASE)

/*
 * set_write_begin/set_write_end -- around every change lock-free readers
 * could see, with the write lock held. No callback, system call or wait
 * in between: readers spin meanwhile.
 */
static inline void
set_write_begin(struct pmemset *set)
{
	__atomic_store_n(&set->seq, set->seq + 1, __ATOMIC_SEQ_CST);
}

static inline void
set_write_end(struct pmemset *set)
{
	__atomic_store_n(&set->seq, set->seq + 1, __ATOMIC_RELEASE);
}

/* pmap_refs -- a part map's references (all shards), as a remover must
 * read them */
static inline int
pmap_refs(struct pmemset_part_map *m)
{
	const struct pmap_chunk *c = pmap_chunk(m);
	size_t slot = pmap_slot(m);
	int sum = 0;
	for (unsigned s = 0; s < PMAP_SHARDS; s++)
		sum += __atomic_load_n(&c->refs[s][slot], __ATOMIC_SEQ_CST);
	return sum;
}

/* set_fix_granularity -- state of the set when its first part arrives */
void set_fix_granularity(struct pmemset *set, struct pmem2_map *map);

/* set_forget_granularity -- when the set becomes empty */
void set_forget_granularity(struct pmemset *set);

#endif /* PMEMSET_SET_H */
