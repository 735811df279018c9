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

void
part_unmap(struct pmemset *set, struct part *p)
{
	RB_REMOVE(part_tree, &set->parts, p);
	set->nparts--;

	if (part_unmap_pmem2(p) == 0)
		arena_release(set, p->arena, p->addr, p->size);
	/* else the slot stays taken: libpmem2 still counts it as mapped */

	sds_part_removed(set, p->src, p->sds);
	source_release(p->src);
	free(p);

	if (set->nparts == 0)
		set_forget_granularity(set);
}

struct part *
pmap_first_part(struct pmemset *set, struct pmemset_part_map *m)
{
	return set_part_at(set, m->addr);
}
