/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * index.c -- the address index of part maps (see index.h).
 */

#include <Judy.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "index.h"
#include "set.h"

/* the array serves sets of up to this many part maps */
#define ARRAY_MAX 16384

static void
judy_drop(struct pmap_index *ix)
{
	LOG(LOG_ERROR, "JudyL index dropped (out of memory)");
	JudyLFreeArray(&ix->judy, PJE0);
	ix->judy = NULL;
	ix->judy_ok = 0;
}

static int
judy_put(struct pmap_index *ix, struct pmemset_part_map *m)
{
	PPvoid_t slot = JudyLIns(&ix->judy, (Word_t)m->addr, PJE0);
	if (slot == PPJERR)
		return -1;
	*slot = m;
	return 0;
}

static void
array_drop(struct pmap_index *ix)
{
	free(ix->starts);
	free(ix->maps);
	ix->starts = NULL;
	ix->maps = NULL;
	ix->n = ix->cap = 0;
	ix->array_ok = 0;
}

static int
array_reserve(struct pmap_index *ix, size_t want)
{
	if (want <= ix->cap)
		return 0;
	size_t cap = ix->cap ? ix->cap : 64;
	while (cap < want)
		cap *= 2;
	uintptr_t *s = realloc(ix->starts, cap * sizeof(*s));
	if (s == NULL)
		return -1;
	ix->starts = s;
	struct pmemset_part_map **m = realloc(ix->maps, cap * sizeof(*m));
	if (m == NULL)
		return -1;
	ix->maps = m;
	ix->cap = cap;
	return 0;
}

/*
 * array_floor -- the index of the greatest start <= key, or -1; the loop
 * halves the range with a conditional move, not a branch
 */
static long
array_floor(const struct pmap_index *ix, uintptr_t key)
{
	if (ix->n == 0 || key < ix->starts[0])
		return -1;
	const uintptr_t *base = ix->starts;
	size_t len = ix->n;
	while (len > 1) {
		size_t half = len / 2;
		base = base[half] <= key ? base + half : base;
		len -= half;
	}
	return base - ix->starts;
}

static void
array_insert(struct pmap_index *ix, struct pmemset_part_map *m)
{
	if (ix->n == ARRAY_MAX || array_reserve(ix, ix->n + 1) != 0) {
		array_drop(ix); /* too big (or no memory): Judy answers */
		return;
	}
	size_t pos = (size_t)(array_floor(ix, (uintptr_t)m->addr) + 1);
	size_t tail = ix->n - pos;
	memmove(ix->starts + pos + 1, ix->starts + pos,
		tail * sizeof(uintptr_t));
	memmove(ix->maps + pos + 1, ix->maps + pos, tail * sizeof(m));
	ix->starts[pos] = (uintptr_t)m->addr;
	ix->maps[pos] = m;
	ix->n++;
}

/* array_rebuild -- from the tree, once the set is small again */
static void
array_rebuild(struct pmemset *set)
{
	struct pmap_index *ix = &set->index;
	if (array_reserve(ix, set->npmaps + 1) != 0) {
		array_drop(ix);
		return;
	}
	struct pmemset_part_map *m;
	ix->n = 0;
	RB_FOREACH(m, pmap_tree, &set->pmaps)
	{
		ix->starts[ix->n] = (uintptr_t)m->addr;
		ix->maps[ix->n++] = m;
	}
	ix->array_ok = 1;
}

/* judy_rebuild -- every part map of the tree, after an earlier drop */
static void
judy_rebuild(struct pmemset *set)
{
	struct pmap_index *ix = &set->index;
	struct pmemset_part_map *m;
	ix->judy_ok = 1;
	RB_FOREACH(m, pmap_tree, &set->pmaps)
	{
		if (judy_put(ix, m) != 0) {
			judy_drop(ix);
			return;
		}
	}
}

void
index_init(struct pmemset *set)
{
	memset(&set->index, 0, sizeof(set->index));
	set->index.judy_ok = 1;
	set->index.array_ok = 1;
}

/* index_insert -- m is in the tree already */
void
index_insert(struct pmemset *set, struct pmemset_part_map *m)
{
	struct pmap_index *ix = &set->index;
	if (!ix->judy_ok)
		judy_rebuild(set);
	else if (judy_put(ix, m) != 0)
		judy_drop(ix);

	if (ix->array_ok)
		array_insert(ix, m);
	else if (set->npmaps < ARRAY_MAX / 2)
		array_rebuild(set);
}

/* index_remove -- m is still in the tree */
void
index_remove(struct pmemset *set, struct pmemset_part_map *m)
{
	struct pmap_index *ix = &set->index;
	if (ix->judy_ok && JudyLDel(&ix->judy, (Word_t)m->addr, PJE0) == JERR)
		judy_drop(ix);
	if (ix->array_ok) {
		size_t pos = (size_t)array_floor(ix, (uintptr_t)m->addr);
		size_t tail = ix->n - pos - 1;
		memmove(ix->starts + pos, ix->starts + pos + 1,
			tail * sizeof(uintptr_t));
		memmove(ix->maps + pos, ix->maps + pos + 1, tail * sizeof(m));
		ix->n--;
	}
}

void
index_rekey(struct pmemset *set, struct pmemset_part_map *m, char *old_addr)
{
	struct pmap_index *ix = &set->index;
	if (ix->judy_ok &&
	    (JudyLDel(&ix->judy, (Word_t)old_addr, PJE0) == JERR ||
	     judy_put(ix, m) != 0))
		judy_drop(ix);
	/* the start rises within m's old range: the order holds */
	if (ix->array_ok)
		ix->starts[array_floor(ix, (uintptr_t)old_addr)] =
			(uintptr_t)m->addr;
}

int
index_floor(struct pmemset *set, const char *addr, struct pmemset_part_map **m)
{
	struct pmap_index *ix = &set->index;
	if (ix->array_ok) {
		long i = array_floor(ix, (uintptr_t)addr);
		*m = i < 0 ? NULL : ix->maps[i];
		return 1;
	}
	if (ix->judy_ok) {
		Word_t key = (Word_t)addr;
		PPvoid_t slot = JudyLLast(ix->judy, &key, PJE0);
		*m = slot && slot != PPJERR ? *slot : NULL;
		return 1;
	}
	return 0;
}

void
index_destroy(struct pmemset *set)
{
	JudyLFreeArray(&set->index.judy, PJE0);
	array_drop(&set->index);
}
