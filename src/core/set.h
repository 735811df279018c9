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
 * the effective granularity. map and remove take it for writing; lookups,
 * iteration and deep_flush for reading. Part-map reference counts are
 * atomic. The data path takes no lock: it reads only the hot fields at the
 * top of struct pmemset.
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
	bool sds; /* counted in the source's SDS refcount */
};

struct pmemset_part_map {
	RB_ENTRY(pmemset_part_map) node;
	char *addr;
	size_t size;
	int refs; /* atomic: handles given out */
	struct pmemset *set;
	uint64_t serial; /* unique in its set: tells a reused slot apart */
};

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

struct pmemset {
	/* hot: read by every data-path call, written only under lock */
	uint64_t event_mask; /* 0 when there is no callback */
	pmemset_event_callback *callback;
	void *callback_arg;
	struct mem_fns fns;

	pthread_rwlock_t lock;
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
 * With the set's write lock held. pmap_alloc returns a zeroed part map or
 * NULL.
 */
struct pmemset_part_map *pmap_alloc(struct pmemset *set);
void pmap_free(struct pmemset *set, struct pmemset_part_map *m);
void pmap_pool_destroy(struct pmemset *set);

/* set_fix_granularity -- state of the set when its first part arrives */
void set_fix_granularity(struct pmemset *set, struct pmem2_map *map);

/* set_forget_granularity -- when the set becomes empty */
void set_forget_granularity(struct pmemset *set);

#endif /* PMEMSET_SET_H */
