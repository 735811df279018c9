/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pmap_pool.c -- the part maps of a set, allocated from chunks of the set.
 *
 * A lookup must touch the part map it finds (its reference count), so in a
 * set of 50,000 parts every lookup is a likely cache miss; with malloc the
 * part maps lie scattered among libpmem2's own allocations, and the miss
 * is often a TLB miss too. Chunks keep them dense. Freed part maps are
 * reused; chunks go with the set.
 */

#include <stdlib.h>
#include <string.h>

#include "set.h"

#define PMAPS_PER_CHUNK 256

/*
 * A part map is 64 bytes: with the chunk aligned to a cache line each one
 * has a line of its own, so readers taking references on neighbouring
 * part maps from different threads do not share a line.
 */
#define CACHE_LINE 64

struct pmap_chunk {
	struct pmemset_part_map maps[PMAPS_PER_CHUNK];
	struct pmap_chunk *next;
};

/* a free part map links to the next free one through its tree entry */
#define FREE_NEXT(m) RB_LEFT((m), node)

static int
pmap_pool_grow(struct pmemset *set)
{
	void *mem;
	if (posix_memalign(&mem, CACHE_LINE, sizeof(struct pmap_chunk)) != 0)
		return -1;
	struct pmap_chunk *c = mem;
	memset(c, 0, sizeof(*c)); /* refs start at 0 */
	c->next = set->pmap_chunks;
	set->pmap_chunks = c;
	/* pushed in reverse, so the lowest address comes out first */
	for (int i = PMAPS_PER_CHUNK - 1; i >= 0; i--)
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
	m->serial = ++set->pmap_serial; /* under the set's lock */
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
