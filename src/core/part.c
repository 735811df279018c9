/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * part.c -- taking one part out of a set.
 */

#include <stdlib.h>

#include "arena.h"
#include "err.h"
#include "part.h"
#include "sds.h"
#include "source.h"

void
part_unmap(struct pmemset *set, struct part *p)
{
	RB_REMOVE(part_tree, &set->parts, p);
	set->nparts--;

	int ret = pmem2_map_delete(&p->map);
	if (ret)
		LOG(LOG_ERROR, "cannot unmap part %p: %s", (void *)p->addr,
		    pmem2_errormsg());
	arena_release(set, p->arena, p->addr, p->size);

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
