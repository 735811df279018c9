/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pmap_pool.c -- the part maps of a set, allocated from chunks of the set.
 *
 * A lookup must touch the part map it finds (its address and size), so in
 * a set of 50,000 parts every lookup is a likely cache miss; with malloc
 * the part maps lie scattered among libpmem2's own allocations, and the
 * miss is often a TLB miss too. Chunks keep them dense, and hold their
 * reference counts, one array per shard (set.h). Freed part maps are
 * reused; chunks go with the set.
 */

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "set.h"

/* a part map has a cache line of its own: the chunk is aligned */
#define CACHE_LINE 64
_Static_assert(sizeof(struct pmemset_part_map) == CACHE_LINE &&
		       offsetof(struct pmap_chunk, refs) != 0 &&
		       sizeof(struct pmap_chunk) <= PMAP_CHUNK_ALIGN,
	       "a part map is one cache line, a chunk fits its alignment");

/* the thread's shard of reference counts (set.h), dealt in turn */
__thread size_t pmap_shard_offset;
static unsigned Shards_dealt;

int *
pmap_counter_first(struct pmemset_part_map *m)
{
	unsigned n = __atomic_fetch_add(&Shards_dealt, 1, __ATOMIC_RELAXED);
	pmap_shard_offset = offsetof(struct pmap_chunk, refs[n % PMAP_SHARDS]);
	return pmap_counter(m);
}

/* a free part map links to the next free one through its tree entry */
#define FREE_NEXT(m) RB_LEFT((m), node)

static int
pmap_pool_grow(struct pmemset *set)
{
	void *mem;
	if (posix_memalign(&mem, PMAP_CHUNK_ALIGN, sizeof(struct pmap_chunk)))
		return -1;
	struct pmap_chunk *c = mem;
	memset(c, 0, sizeof(*c)); /* refs start at 0 */
	c->next = set->pmap_chunks;
	set->pmap_chunks = c;
	/* pushed in reverse, so the lowest address comes out first */
	for (int i = PMAP_CHUNK - 1; i >= 0; i--)
		pmap_free(set, &c->maps[i]);
	return 0;
}

struct pmemset_part_map *
pmap_alloc(struct pmemset *set)
{
	if (set->pmap_free == NULL && pmap_pool_grow(set) != 0)
		return NULL;
	struct pmemset_part_map *m = set->pmap_free;
	set->pmap_free = FREE_NEXT(m);
	/* no memset: a stale reader may be adding and taking back a ref */
	memset(&m->node, 0, sizeof(m->node));
	STORE(m->addr, NULL);
	STORE(m->size, 0);
	STORE(m->set, set);
	/* under the set's lock */
	pmap_chunk(m)->serials[pmap_slot(m)] = ++set->pmap_serial;
	return m;
}

void
pmap_free(struct pmemset *set, struct pmemset_part_map *m)
{
	FREE_NEXT(m) = set->pmap_free;
	set->pmap_free = m;
}

void
pmap_pool_destroy(struct pmemset *set)
{
	while (set->pmap_chunks) {
		struct pmap_chunk *c = set->pmap_chunks;
		set->pmap_chunks = c->next;
		free(c);
	}
	set->pmap_free = NULL;
}
