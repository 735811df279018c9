/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * part.c -- taking one part out of a set.
 */

#include <stdlib.h>
#include <sys/mman.h>

#include "arena.h"
#include "err.h"
#include "part.h"
#include "sds.h"
#include "source.h"

/*
 * part_unmap_pmem2 -- unmap through libpmem2. Inside a reservation
 * libpmem2 puts a PROT_NONE mapping in the part's place, which the kernel
 * refuses at vm.max_map_count; unmapping the range first lowers the count
 * by one, after which libpmem2 can fill the hole.
 */
static int
part_unmap_pmem2(struct part *p)
{
	if (pmem2_map_delete(&p->map) == 0)
		return 0;
	LOG(LOG_ERROR, "cannot unmap part %p (%s); retrying", (void *)p->addr,
	    pmem2_errormsg());
	if (munmap(p->addr, p->size) == 0 && pmem2_map_delete(&p->map) == 0)
		return 0;
	LOG(LOG_ERROR, "cannot unmap part %p: %s", (void *)p->addr,
	    pmem2_errormsg());
	return -1;
}

static int
part_unmap_in_arena(struct part *p)
{
	arena_pmem2_begin(p->arena);
	int ret = part_unmap_pmem2(p);
	arena_pmem2_end(p->arena, false);
	return ret;
}

void
part_unpublish(struct pmemset *set, struct part *p, struct part **gone)
{
	RB_REMOVE(part_tree, &set->parts, p);
	set->nparts--;
	if (set->nparts == 0)
		set_forget_granularity(set);
	p->gone_next = *gone;
	*gone = p;
}

/* part_flush -- a removed part's data reaches the persistence domain */
static void
part_flush(struct part *p, char *lo, char *hi)
{
	char *from = p->addr > lo ? p->addr : lo;
	char *to = p->addr + p->size < hi ? p->addr + p->size : hi;
	if (from < to && pmem2_deep_flush(p->map, from, (size_t)(to - from)))
		LOG(LOG_ERROR, "deep flush of removed part %p failed: %s",
		    (void *)p->addr, pmem2_errormsg());
}

void
parts_unmap(struct pmemset *set, struct part *gone, char *flush_lo,
	    char *flush_hi)
{
	if (gone == NULL)
		return;
	for (struct part *p = gone; p; p = p->gone_next) {
		part_flush(p, flush_lo, flush_hi);
		p->unmapped = part_unmap_in_arena(p) == 0;
	}
	pthread_rwlock_wrlock(&set->lock);
	for (struct part *p = gone; p; p = p->gone_next)
		if (p->unmapped)
			arena_release(set, p->arena, p->addr, p->size);
	/* else the slot stays taken: libpmem2 still counts it as mapped */
	pthread_rwlock_unlock(&set->lock);
	while (gone) {
		struct part *p = gone;
		gone = p->gone_next;
		sds_part_removed(set, p->src, p->sds);
		source_release(p->src);
		free(p);
	}
}

struct part *
pmap_first_part(struct pmemset *set, struct pmemset_part_map *m)
{
	return set_part_at(set, m->addr);
}
