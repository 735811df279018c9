/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * index.c -- the blocked sorted-array address index (see index.h).
 */

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "index.h"
#include "set.h"

#define INDEX_BLOCK 256 /* entries per block at most */

struct index_block {
	size_t n;
	uintptr_t starts[INDEX_BLOCK]; /* sorted */
	struct pmemset_part_map *maps[INDEX_BLOCK];
};

/*
 * floor_of -- the index of the greatest a[i] <= key in a sorted array, or
 * -1; the loop halves the range with a conditional move, not a branch
 */
static long
floor_of(const uintptr_t *a, size_t n, uintptr_t key)
{
	if (n == 0 || key < a[0])
		return -1;
	const uintptr_t *base = a;
	size_t len = n;
	while (len > 1) {
		size_t half = len / 2;
		base = base[half] <= key ? base + half : base;
		len -= half;
	}
	return base - a;
}

static void
index_free(struct pmap_index *ix)
{
	for (size_t b = 0; b < ix->nblocks; b++)
		free(ix->blocks[b]);
	free(ix->blocks);
	free(ix->firsts);
	ix->blocks = NULL;
	ix->firsts = NULL;
	ix->nblocks = ix->cap = 0;
}

static void
index_drop(struct pmap_index *ix)
{
	LOG(LOG_ERROR, "address index dropped (out of memory); lookups use "
		       "the tree until the next map rebuilds it");
	index_free(ix);
	ix->ok = 0;
}

/* top_insert -- room for a block at position b of the top arrays */
static int
top_insert(struct pmap_index *ix, size_t b, struct index_block *blk)
{
	if (ix->nblocks == ix->cap) {
		size_t cap = ix->cap ? 2 * ix->cap : 8;
		struct index_block **bl =
			realloc(ix->blocks, cap * sizeof(*bl));
		if (bl == NULL)
			return -1;
		ix->blocks = bl;
		uintptr_t *f = realloc(ix->firsts, cap * sizeof(*f));
		if (f == NULL)
			return -1;
		ix->firsts = f;
		ix->cap = cap;
	}
	size_t tail = ix->nblocks - b;
	memmove(ix->blocks + b + 1, ix->blocks + b, tail * sizeof(blk));
	memmove(ix->firsts + b + 1, ix->firsts + b, tail * sizeof(uintptr_t));
	ix->blocks[b] = blk;
	ix->firsts[b] = blk->n ? blk->starts[0] : 0;
	ix->nblocks++;
	return 0;
}

static void
top_remove(struct pmap_index *ix, size_t b)
{
	free(ix->blocks[b]);
	size_t tail = ix->nblocks - b - 1;
	memmove(ix->blocks + b, ix->blocks + b + 1, tail * sizeof(*ix->blocks));
	memmove(ix->firsts + b, ix->firsts + b + 1, tail * sizeof(uintptr_t));
	ix->nblocks--;
}

/* block_split -- move the upper half of full block b into a new block */
static int
block_split(struct pmap_index *ix, size_t b)
{
	struct index_block *lo = ix->blocks[b];
	struct index_block *hi = malloc(sizeof(*hi));
	if (hi == NULL)
		return -1;
	hi->n = lo->n / 2;
	lo->n -= hi->n;
	memcpy(hi->starts, lo->starts + lo->n, hi->n * sizeof(uintptr_t));
	memcpy(hi->maps, lo->maps + lo->n, hi->n * sizeof(*hi->maps));
	if (top_insert(ix, b + 1, hi) != 0) {
		lo->n += hi->n; /* the block is whole again */
		free(hi);
		return -1;
	}
	return 0;
}

/* block_put -- key and m at their place in block b, which has room */
static void
block_put(struct pmap_index *ix, size_t b, uintptr_t key,
	  struct pmemset_part_map *m)
{
	struct index_block *blk = ix->blocks[b];
	size_t pos = (size_t)(floor_of(blk->starts, blk->n, key) + 1);
	size_t tail = blk->n - pos;
	memmove(blk->starts + pos + 1, blk->starts + pos,
		tail * sizeof(uintptr_t));
	memmove(blk->maps + pos + 1, blk->maps + pos, tail * sizeof(m));
	blk->starts[pos] = key;
	blk->maps[pos] = m;
	blk->n++;
	ix->firsts[b] = blk->starts[0];
}

static int
index_put(struct pmap_index *ix, struct pmemset_part_map *m)
{
	uintptr_t key = (uintptr_t)m->addr;
	if (ix->nblocks == 0) {
		struct index_block *blk = calloc(1, sizeof(*blk));
		if (blk == NULL || top_insert(ix, 0, blk) != 0) {
			free(blk);
			return -1;
		}
	}
	long f = floor_of(ix->firsts, ix->nblocks, key);
	size_t b = f < 0 ? 0 : (size_t)f; /* below every start: block 0 */
	if (ix->blocks[b]->n == INDEX_BLOCK) {
		if (block_split(ix, b) != 0)
			return -1;
		if (key >= ix->firsts[b + 1])
			b++;
	}
	block_put(ix, b, key, m);
	return 0;
}

/* index_rebuild -- from the tree, after an earlier drop */
static void
index_rebuild(struct pmemset *set)
{
	struct pmap_index *ix = &set->index;
	struct pmemset_part_map *m;
	ix->ok = 1;
	RB_FOREACH(m, pmap_tree, &set->pmaps)
	{
		if (index_put(ix, m) != 0) {
			index_drop(ix);
			return;
		}
	}
}

void
index_init(struct pmemset *set)
{
	memset(&set->index, 0, sizeof(set->index));
	set->index.ok = 1;
}

void
index_insert(struct pmemset *set, struct pmemset_part_map *m)
{
	struct pmap_index *ix = &set->index;
	if (!ix->ok)
		index_rebuild(set);
	else if (index_put(ix, m) != 0)
		index_drop(ix);
}

/*
 * index_find -- block and slot of a start that is in the index; -1 if it
 * is not (the index no longer mirrors the tree: dropped)
 */
static int
index_find(struct pmap_index *ix, uintptr_t key, size_t *b, size_t *j)
{
	long fb = floor_of(ix->firsts, ix->nblocks, key);
	if (fb >= 0) {
		const struct index_block *blk = ix->blocks[fb];
		long fj = floor_of(blk->starts, blk->n, key);
		if (fj >= 0 && blk->starts[fj] == key) {
			*b = (size_t)fb;
			*j = (size_t)fj;
			return 0;
		}
	}
	index_drop(ix);
	return -1;
}

void
index_remove(struct pmemset *set, struct pmemset_part_map *m)
{
	struct pmap_index *ix = &set->index;
	if (!ix->ok)
		return;
	size_t b, j;
	if (index_find(ix, (uintptr_t)m->addr, &b, &j) != 0)
		return;
	struct index_block *blk = ix->blocks[b];
	size_t tail = blk->n - j - 1;
	memmove(blk->starts + j, blk->starts + j + 1, tail * sizeof(uintptr_t));
	memmove(blk->maps + j, blk->maps + j + 1, tail * sizeof(m));
	if (--blk->n == 0) {
		top_remove(ix, b);
		return;
	}
	ix->firsts[b] = blk->starts[0];
	/* a quarter-full block joins its successor when both fit in half */
	if (b + 1 < ix->nblocks && blk->n < INDEX_BLOCK / 4) {
		struct index_block *next = ix->blocks[b + 1];
		if (blk->n + next->n <= INDEX_BLOCK / 2) {
			memcpy(blk->starts + blk->n, next->starts,
			       next->n * sizeof(uintptr_t));
			memcpy(blk->maps + blk->n, next->maps,
			       next->n * sizeof(m));
			blk->n += next->n;
			top_remove(ix, b + 1);
		}
	}
}

void
index_rekey(struct pmemset *set, struct pmemset_part_map *m, char *old_addr)
{
	struct pmap_index *ix = &set->index;
	if (!ix->ok)
		return;
	/* the start rises within m's old range: the order holds */
	size_t b, j;
	if (index_find(ix, (uintptr_t)old_addr, &b, &j) != 0)
		return;
	ix->blocks[b]->starts[j] = (uintptr_t)m->addr;
	if (j == 0)
		ix->firsts[b] = (uintptr_t)m->addr;
}

int
index_floor(struct pmemset *set, const char *addr, struct pmemset_part_map **m)
{
	const struct pmap_index *ix = &set->index;
	if (!ix->ok)
		return 0;
	long b = floor_of(ix->firsts, ix->nblocks, (uintptr_t)addr);
	if (b < 0) {
		*m = NULL;
		return 1;
	}
	const struct index_block *blk = ix->blocks[b];
	long j = floor_of(blk->starts, blk->n, (uintptr_t)addr);
	if (j < 0) /* firsts[b] <= addr guarantees j >= 0; never read out */
		return 0;
	*m = blk->maps[j];
	return 1;
}

void
index_destroy(struct pmemset *set)
{
	index_free(&set->index);
}
