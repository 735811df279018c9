/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * index.c -- the blocked sorted-array address index (see index.h).
 *
 * Readers search it without a lock while a writer changes it (set.c
 * validates them with the set's sequence count), so: every word a reader
 * may load is stored with an atomic store, even into memory no reader can
 * reach yet; blocks and top arrays are never freed while the set lives
 * (blocks go to a pool, outgrown top arrays to a retired list), so a
 * reader holding a stale pointer reads stale numbers, never freed memory.
 */

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "index.h"
#include "set.h"

#define INDEX_BLOCK 256 /* entries per block at most */
#define INDEX_RUN   16	/* entries per run: a search counts 16 at once */
#define INDEX_RUNS  (INDEX_BLOCK / INDEX_RUN)
/*
 * an unused entry: above every user-space start, and positive as a signed
 * number, so vector compares (signed only) order it right
 */
#define NO_START ((uintptr_t)INTPTR_MAX)

/*
 * A block is searched in two rounds of 16 independent comparisons, not a
 * binary search of 8 dependent loads: the count of run firsts <= key
 * gives the run, the count of that run's starts <= key the entry. Unused
 * entries hold NO_START, so the counts need no length and no branch, and
 * the loads of a round (two cache lines) are issued together: at 50,000
 * part maps a lookup waits for two misses in its block, not five.
 */
struct index_block {
	/* a run's 16 starts fill two cache lines of their own */
	_Alignas(64) uintptr_t runs[INDEX_RUNS]; /* runs[r]: starts[r * 16] */
	uintptr_t starts[INDEX_BLOCK]; /* sorted, NO_START from n on */
	struct pmemset_part_map *maps[INDEX_BLOCK];
	/* ends[j]: where maps[j] ends, so a lookup reads no part map */
	uintptr_t ends[INDEX_BLOCK];
	size_t n;
	struct index_block *pool_next; /* in the pool: the next free one */
};

/* the top arrays: one allocation, replaced (never resized) when full */
struct index_top {
	size_t cap;
	struct index_top *retired_next;
	uintptr_t *firsts;	     /* firsts[b]: blocks[b]'s first start */
	struct index_block **blocks; /* in address order */
};

/*
 * release/acquire: a reader that sees a count (nblocks, n) or a pointer
 * sees what was stored before it, a reader that sees any store of a change
 * sees the set's count odd, and no load of a reader moves past its final
 * check of that count (all free on x86)
 */
#define ST(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define LD(p)	 __atomic_load_n((p), __ATOMIC_ACQUIRE)

/*
 * MOVE_WORDS -- memmove of n pointer-sized elements, each stored
 * atomically (lock-free readers may load any of them meanwhile); one body
 * for the starts, the part maps and the blocks
 */
#define MOVE_WORDS(dst, src, n)                                                \
	do {                                                                   \
		if ((dst) < (src))                                             \
			for (size_t i_ = 0; i_ < (n); i_++)                    \
				ST(&(dst)[i_], (src)[i_]);                     \
		else                                                           \
			for (size_t i_ = (n); i_-- > 0;)                       \
				ST(&(dst)[i_], (src)[i_]);                     \
	} while (0)

static void
move_starts(uintptr_t *dst, const uintptr_t *src, size_t n)
{
	MOVE_WORDS(dst, src, n);
}

static void
move_maps(struct pmemset_part_map **dst, struct pmemset_part_map *const *src,
	  size_t n)
{
	MOVE_WORDS(dst, src, n);
}

static void
move_blocks(struct index_block **dst, struct index_block *const *src, size_t n)
{
	MOVE_WORDS(dst, src, n);
}

/*
 * floor_of -- the index of the greatest a[i] <= key in a sorted array, or
 * -1; the loop halves the range with a conditional move, not a branch
 */
static long
floor_of(const uintptr_t *a, size_t n, uintptr_t key)
{
	if (n == 0 || key < LD(&a[0]))
		return -1;
	const uintptr_t *base = a;
	size_t len = n;
	while (len > 1) {
		size_t half = len / 2;
		base = LD(&base[half]) <= key ? base + half : base;
		len -= half;
	}
	return base - a;
}

static struct index_block *
block_get(struct pmap_index *ix)
{
	struct index_block *blk = ix->pool;
	if (blk)
		ix->pool = blk->pool_next;
	else
		blk = aligned_alloc(_Alignof(struct index_block), sizeof(*blk));
	if (blk == NULL)
		return NULL;
	ST(&blk->n, 0);
	for (size_t i = 0; i < INDEX_BLOCK; i++)
		ST(&blk->starts[i], NO_START);
	for (size_t r = 0; r < INDEX_RUNS; r++)
		ST(&blk->runs[r], NO_START);
	return blk;
}

/*
 * block_fix -- after starts[from..] changed and n is final: entries from n
 * on unused, the run firsts from the run of `from` on
 */
static void
block_fix(struct index_block *blk, size_t from, size_t old_n)
{
	for (size_t i = blk->n; i < old_n; i++)
		ST(&blk->starts[i], NO_START);
	for (size_t r = from / INDEX_RUN; r < INDEX_RUNS; r++)
		ST(&blk->runs[r], r * INDEX_RUN < blk->n
					  ? blk->starts[r * INDEX_RUN]
					  : NO_START);
}

/* count_le -- how many of the INDEX_RUN entries at a are <= key */
static inline size_t
count_le(const uintptr_t *a, uintptr_t key)
{
	size_t c = 0;
	for (size_t i = 0; i < INDEX_RUN; i++)
		c += LD(&a[i]) <= key;
	return c;
}

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define INDEX_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define INDEX_TSAN 1
#endif

#if defined(__x86_64__) && !defined(INDEX_TSAN)
#include <immintrin.h>
#define COUNT_AVX2 1
/*
 * count_le_avx2 -- count_le with four 4-wide compares. Plain vector
 * loads: a stale reader may see a mix of old and new entries, which any
 * count from 0 to 16 is valid for (the set's count sends it back); TSan
 * builds use count_le.
 */
__attribute__((target("avx2,popcnt"))) static size_t
count_le_avx2(const uintptr_t *a, uintptr_t key)
{
	const __m256i *v = (const __m256i *)a;
	__m256i k = _mm256_set1_epi64x((long long)key);
	__m256i gt0 = _mm256_cmpgt_epi64(_mm256_load_si256(v), k);
	__m256i gt1 = _mm256_cmpgt_epi64(_mm256_load_si256(v + 1), k);
	__m256i gt2 = _mm256_cmpgt_epi64(_mm256_load_si256(v + 2), k);
	__m256i gt3 = _mm256_cmpgt_epi64(_mm256_load_si256(v + 3), k);
	/* each 64-bit "greater" lane packs to 4 bytes of the masks */
	unsigned lo =
		(unsigned)_mm256_movemask_epi8(_mm256_packs_epi32(gt0, gt1));
	unsigned hi =
		(unsigned)_mm256_movemask_epi8(_mm256_packs_epi32(gt2, gt3));
	return INDEX_RUN -
	       (size_t)(__builtin_popcount(lo) + __builtin_popcount(hi)) / 4;
}

__attribute__((target("avx2,popcnt"))) static long
block_floor_avx2(const struct index_block *blk, uintptr_t key)
{
	size_t r = count_le_avx2(blk->runs, key);
	if (r == 0)
		return -1;
	const uintptr_t *run = blk->starts + (r - 1) * INDEX_RUN;
	return (long)((r - 1) * INDEX_RUN + count_le_avx2(run, key)) - 1;
}
#endif

/*
 * block_floor -- the entry of blk with the greatest start <= key, or -1;
 * any contents give an entry within the block (stale readers retry)
 */
static long
block_floor(const struct index_block *blk, uintptr_t key)
{
	if (key >= NO_START)
		key = NO_START - 1; /* no start is that high */
#ifdef COUNT_AVX2
	if (__builtin_cpu_supports("avx2"))
		return block_floor_avx2(blk, key);
#endif
	size_t r = count_le(blk->runs, key);
	if (r == 0)
		return -1;
	const uintptr_t *run = blk->starts + (r - 1) * INDEX_RUN;
	return (long)((r - 1) * INDEX_RUN + count_le(run, key)) - 1;
}

static void
block_put_back(struct pmap_index *ix, struct index_block *blk)
{
	blk->pool_next = ix->pool;
	ix->pool = blk;
}

/* index_clear -- every block to the pool, no block in use */
static void
index_clear(struct pmap_index *ix)
{
	for (size_t b = 0; b < ix->nblocks; b++)
		block_put_back(ix, ix->top->blocks[b]);
	ST(&ix->nblocks, 0);
}

static void
index_drop(struct pmap_index *ix)
{
	LOG(LOG_ERROR, "address index dropped (out of memory); lookups use "
		       "the tree until the next map rebuilds it");
	ST(&ix->ok, 0);
	index_clear(ix);
}

/* top_grow -- a top twice as large, the old one retired */
static int
top_grow(struct pmap_index *ix)
{
	struct index_top *old = ix->top;
	size_t cap = old ? 2 * old->cap : 8;
	struct index_top *t = malloc(sizeof(*t) + cap * sizeof(uintptr_t) +
				     cap * sizeof(struct index_block *));
	if (t == NULL)
		return -1;
	t->cap = cap;
	t->retired_next = NULL;
	t->firsts = (uintptr_t *)(t + 1);
	t->blocks = (struct index_block **)(t->firsts + cap);
	if (old) {
		move_starts(t->firsts, old->firsts, ix->nblocks);
		move_blocks(t->blocks, old->blocks, ix->nblocks);
		old->retired_next = ix->retired;
		ix->retired = old;
	}
	ST(&ix->top, t);
	return 0;
}

/* top_insert -- room for a block at position b of the top arrays */
static int
top_insert(struct pmap_index *ix, size_t b, struct index_block *blk)
{
	if ((ix->top == NULL || ix->nblocks == ix->top->cap) &&
	    top_grow(ix) != 0)
		return -1;
	struct index_top *t = ix->top;
	size_t tail = ix->nblocks - b;
	move_blocks(t->blocks + b + 1, t->blocks + b, tail);
	move_starts(t->firsts + b + 1, t->firsts + b, tail);
	ST(&t->blocks[b], blk);
	ST(&t->firsts[b], blk->n ? blk->starts[0] : 0);
	ST(&ix->nblocks, ix->nblocks + 1);
	return 0;
}

static void
top_remove(struct pmap_index *ix, size_t b)
{
	struct index_top *t = ix->top;
	block_put_back(ix, t->blocks[b]);
	size_t tail = ix->nblocks - b - 1;
	move_blocks(t->blocks + b, t->blocks + b + 1, tail);
	move_starts(t->firsts + b, t->firsts + b + 1, tail);
	ST(&ix->nblocks, ix->nblocks - 1);
}

/* block_split -- move the upper half of full block b into a new block */
static int
block_split(struct pmap_index *ix, size_t b)
{
	struct index_block *lo = ix->top->blocks[b];
	struct index_block *hi = block_get(ix);
	if (hi == NULL)
		return -1;
	size_t nh = lo->n / 2, nl = lo->n - nh;
	move_starts(hi->starts, lo->starts + nl, nh);
	move_maps(hi->maps, lo->maps + nl, nh);
	move_starts(hi->ends, lo->ends + nl, nh);
	ST(&hi->n, nh);
	block_fix(hi, 0, 0);
	if (top_insert(ix, b + 1, hi) != 0) {
		block_put_back(ix, hi);
		return -1;
	}
	size_t old_n = lo->n;
	ST(&lo->n, nl);
	block_fix(lo, nl, old_n);
	return 0;
}

/* block_put -- key and m at their place in block b, which has room */
static void
block_put(struct pmap_index *ix, size_t b, uintptr_t key,
	  struct pmemset_part_map *m)
{
	struct index_block *blk = ix->top->blocks[b];
	size_t pos = (size_t)(floor_of(blk->starts, blk->n, key) + 1);
	size_t tail = blk->n - pos;
	move_starts(blk->starts + pos + 1, blk->starts + pos, tail);
	move_maps(blk->maps + pos + 1, blk->maps + pos, tail);
	move_starts(blk->ends + pos + 1, blk->ends + pos, tail);
	ST(&blk->starts[pos], key);
	ST(&blk->maps[pos], m);
	ST(&blk->ends[pos], key + m->size);
	ST(&blk->n, blk->n + 1);
	block_fix(blk, pos, 0);
	ST(&ix->top->firsts[b], blk->starts[0]);
}

static int
index_put(struct pmap_index *ix, struct pmemset_part_map *m)
{
	uintptr_t key = (uintptr_t)m->addr;
	if (ix->nblocks == 0) {
		struct index_block *blk = block_get(ix);
		if (blk == NULL || top_insert(ix, 0, blk) != 0) {
			if (blk)
				block_put_back(ix, blk);
			return -1;
		}
	}
	long f = floor_of(ix->top->firsts, ix->nblocks, key);
	size_t b = f < 0 ? 0 : (size_t)f; /* below every start: block 0 */
	if (ix->top->blocks[b]->n == INDEX_BLOCK) {
		if (block_split(ix, b) != 0)
			return -1;
		if (key >= ix->top->firsts[b + 1])
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
	RB_FOREACH(m, pmap_tree, &set->pmaps)
	{
		if (index_put(ix, m) != 0) {
			index_clear(ix);
			return;
		}
	}
	ST(&ix->ok, 1);
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
		index_rebuild(set); /* m is in the tree: it is in the index */
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
	long fb = ix->top ? floor_of(ix->top->firsts, ix->nblocks, key) : -1;
	if (fb >= 0) {
		const struct index_block *blk = ix->top->blocks[fb];
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
	struct index_block *blk = ix->top->blocks[b];
	size_t tail = blk->n - j - 1;
	move_starts(blk->starts + j, blk->starts + j + 1, tail);
	move_maps(blk->maps + j, blk->maps + j + 1, tail);
	move_starts(blk->ends + j, blk->ends + j + 1, tail);
	ST(&blk->n, blk->n - 1);
	block_fix(blk, j, blk->n + 1);
	if (blk->n == 0) {
		top_remove(ix, b);
		return;
	}
	ST(&ix->top->firsts[b], blk->starts[0]);
	/* a quarter-full block joins its successor when both fit in half */
	if (b + 1 < ix->nblocks && blk->n < INDEX_BLOCK / 4) {
		struct index_block *next = ix->top->blocks[b + 1];
		if (blk->n + next->n <= INDEX_BLOCK / 2) {
			move_starts(blk->starts + blk->n, next->starts,
				    next->n);
			move_maps(blk->maps + blk->n, next->maps, next->n);
			move_starts(blk->ends + blk->n, next->ends, next->n);
			size_t from = blk->n;
			ST(&blk->n, blk->n + next->n);
			block_fix(blk, from, 0);
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
	struct index_block *blk = ix->top->blocks[b];
	ST(&blk->starts[j], (uintptr_t)m->addr);
	ST(&blk->ends[j], (uintptr_t)m->addr + m->size);
	block_fix(blk, j, 0);
	if (j == 0)
		ST(&ix->top->firsts[b], (uintptr_t)m->addr);
}

void
index_resize(struct pmemset *set, struct pmemset_part_map *m)
{
	struct pmap_index *ix = &set->index;
	size_t b, j;
	if (ix->ok && index_find(ix, (uintptr_t)m->addr, &b, &j) == 0)
		ST(&ix->top->blocks[b]->ends[j], (uintptr_t)m->addr + m->size);
}

/*
 * index_at -- the entry at (b, j) or, past the end of block b, the first
 * of the next block; NULL past the last. Lock-free readers call it.
 */
static struct pmemset_part_map *
index_at(const struct index_top *t, size_t nb, size_t b, size_t j,
	 struct index_pos *pos)
{
	for (; b < nb; b++, j = 0) {
		const struct index_block *blk = LD(&t->blocks[b]);
		size_t n = LD(&blk->n);
		if (n > INDEX_BLOCK) /* a stale block: seq makes them retry */
			return NULL;
		if (j < n) {
			pos->t = t;
			pos->nb = nb;
			pos->b = b;
			pos->j = j;
			pos->maps = blk->maps;
			pos->n = n;
			return LD(&blk->maps[j]);
		}
	}
	return NULL;
}

int
index_floor_at(struct pmemset *set, const char *addr, int next,
	       struct pmemset_part_map **m, struct index_pos *pos)
{
	const struct pmap_index *ix = &set->index;
	if (!LD(&ix->ok))
		return 0;
	const struct index_top *t = LD(&ix->top);
	size_t nb = LD(&ix->nblocks);
	*m = NULL;
	if (t == NULL || nb == 0 || nb > LD(&t->cap))
		return 1;
	long b = floor_of(t->firsts, nb, (uintptr_t)addr);
	if (b < 0) {
		if (next)
			*m = index_at(t, nb, 0, 0, pos);
		return 1;
	}
	long j = block_floor(LD(&t->blocks[b]), (uintptr_t)addr);
	if (j < 0) /* firsts[b] <= addr guarantees j >= 0 unless stale */
		return 1;
	*m = index_at(t, nb, (size_t)b, (size_t)j + (next ? 1 : 0), pos);
	return 1;
}

struct pmemset_part_map *
index_after_block(struct index_pos *pos)
{
	return index_at(pos->t, pos->nb, pos->b, pos->j + 1, pos);
}

/* index_floor -- for a lookup: no position, no next, and the end
 * checked */
int
index_floor(struct pmemset *set, const char *addr, struct pmemset_part_map **m)
{
	const struct pmap_index *ix = &set->index;
	if (!LD(&ix->ok))
		return 0;
	const struct index_top *t = LD(&ix->top);
	size_t nb = LD(&ix->nblocks);
	*m = NULL;
	if (t == NULL || nb == 0 || nb > LD(&t->cap))
		return 1;
	long b = floor_of(t->firsts, nb, (uintptr_t)addr);
	if (b < 0)
		return 1;
	const struct index_block *blk = LD(&t->blocks[b]);
	long j = block_floor(blk, (uintptr_t)addr);
	/* j < 0 or beyond n only in a stale block: the set's count tells */
	if (j >= 0 && (size_t)j < LD(&blk->n) &&
	    (uintptr_t)addr < LD(&blk->ends[j]))
		*m = LD(&blk->maps[j]);
	return 1;
}

void
index_destroy(struct pmemset *set)
{
	struct pmap_index *ix = &set->index;
	index_clear(ix);
	while (ix->pool) {
		struct index_block *blk = ix->pool;
		ix->pool = blk->pool_next;
		free(blk);
	}
	free(ix->top);
	while (ix->retired) {
		struct index_top *t = ix->retired;
		ix->retired = t->retired_next;
		free(t);
	}
	ix->top = NULL;
}
