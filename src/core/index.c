/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * index.c -- the JudyL address index of part maps (see index.h).
 */

#include <Judy.h>

#include "err.h"
#include "index.h"
#include "set.h"

/* index_drop -- give the index up after an allocation failure */
static void
index_drop(struct pmemset *set)
{
	LOG(LOG_ERROR, "address index dropped (out of memory); lookups use "
		       "the tree until it is rebuilt");
	JudyLFreeArray(&set->index, PJE0);
	set->index = NULL;
	set->index_ok = 0;
}

static int
index_put(struct pmemset *set, struct pmemset_part_map *m)
{
	PPvoid_t slot = JudyLIns(&set->index, (Word_t)m->addr, PJE0);
	if (slot == PPJERR)
		return -1;
	*slot = m;
	return 0;
}

/* index_rebuild -- every part map of the tree, after an earlier drop */
static void
index_rebuild(struct pmemset *set)
{
	struct pmemset_part_map *m;
	set->index_ok = 1;
	RB_FOREACH(m, pmap_tree, &set->pmaps)
	{
		if (index_put(set, m) != 0) {
			index_drop(set);
			return;
		}
	}
}

void
index_insert(struct pmemset *set, struct pmemset_part_map *m)
{
	if (!set->index_ok)
		index_rebuild(set); /* m is in the tree already */
	else if (index_put(set, m) != 0)
		index_drop(set);
}

void
index_remove(struct pmemset *set, struct pmemset_part_map *m)
{
	if (!set->index_ok)
		return;
	if (JudyLDel(&set->index, (Word_t)m->addr, PJE0) == JERR)
		index_drop(set);
}

void
index_rekey(struct pmemset *set, struct pmemset_part_map *m, char *old_addr)
{
	if (!set->index_ok)
		return;
	if (JudyLDel(&set->index, (Word_t)old_addr, PJE0) == JERR ||
	    index_put(set, m) != 0)
		index_drop(set);
}

struct pmemset_part_map *
index_floor(struct pmemset *set, const char *addr)
{
	Word_t key = (Word_t)addr;
	PPvoid_t slot = JudyLLast(set->index, &key, PJE0);
	return slot && slot != PPJERR ? *slot : NULL;
}

void
index_destroy(struct pmemset *set)
{
	JudyLFreeArray(&set->index, PJE0);
	set->index = NULL;
	set->index_ok = 1;
}
