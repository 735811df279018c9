/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * index.h -- the address index of part maps: the fast path of
 * pmemset_part_map_by_address.
 *
 * The red-black tree stays the registry (iteration, ranges, removal). The
 * index answers "which part map starts at or below this address" faster
 * than a tree search, whose nodes are scattered and whose comparisons the
 * CPU cannot predict. It is a sorted array of start addresses cut into
 * blocks of at most INDEX_BLOCK entries, with a sorted array of each
 * block's first start on top: a search is a branch-free binary search of
 * the top array, then two rounds of 16 comparisons in the block (the
 * firsts of its runs of 16, then one run; four AVX2 compares each where
 * the CPU has them), so a lookup in a large set waits for two cache misses
 * in its block instead of a binary search's chain of five (index.c). An
 * insert or a removal moves at most one block and the top array,
 * O(sqrt n). (Measured: the tree 25-137 ns, a JudyL array 34-46 ns, this
 * index with binary searches in the blocks 9 ns at 1,000 part maps and
 * 20 ns at 50,000 warm; docs/benchmarks.md.)
 *
 * It is also the lock-free read path: lookups, first/next search it
 * without the set's lock, validated by the set's sequence count (set.h),
 * so its memory lives until the set is deleted (index.c says how).
 *
 * If it cannot allocate it is dropped, lock-free readers fall back to the
 * tree under the set's read lock, and the next insert rebuilds it. Changes
 * hold the set's write lock.
 */

#ifndef PMEMSET_INDEX_H
#define PMEMSET_INDEX_H 1

#include <stddef.h>
#include <stdint.h>

struct pmemset;
struct pmemset_part_map;
struct index_block;

struct index_top;

struct pmap_index {
	struct index_top *top;	   /* atomic: the top arrays */
	size_t nblocks;		   /* atomic: blocks in use */
	int ok;			   /* atomic; 0: dropped after a failure */
	struct index_block *pool;  /* blocks not in use */
	struct index_top *retired; /* outgrown top arrays */
};

void index_init(struct pmemset *set);

/* index_insert -- m is in the tree already */
void index_insert(struct pmemset *set, struct pmemset_part_map *m);

/* index_remove -- m is still in the tree */
void index_remove(struct pmemset *set, struct pmemset_part_map *m);

/* index_rekey -- m's start moved from old_addr to m->addr, order kept */
void index_rekey(struct pmemset *set, struct pmemset_part_map *m,
		 char *old_addr);

/* index_resize -- m's size changed, its start did not */
void index_resize(struct pmemset *set, struct pmemset_part_map *m);

/*
 * index_floor -- 1 when the index answered: *m is then the part map
 * containing addr, or NULL; 0 when the tree must answer. The index keeps
 * each part map's end, so this reads no part map.
 */
int index_floor(struct pmemset *set, const char *addr,
		struct pmemset_part_map **m);

/*
 * where an entry was found: valid while the set's count has not moved,
 * and so is what it keeps of the block (its part maps, their number)
 */
struct index_pos {
	const struct index_top *t;
	size_t nb, b, j;
	struct pmemset_part_map *const *maps; /* the block's */
	size_t n;			      /* entries in the block */
};

/*
 * index_floor_at -- for lock-free readers: as index_floor, or with next
 * the part map after that one (the first one when none starts <= addr),
 * and where it was found. The answer may be stale; the caller validates
 * it with the set's sequence count.
 */
int index_floor_at(struct pmemset *set, const char *addr, int next,
		   struct pmemset_part_map **m, struct index_pos *pos);

/* index_after_block -- index_after past the end of pos's block */
struct pmemset_part_map *index_after_block(struct index_pos *pos);

/*
 * index_after -- the entry after *pos (NULL at the end); *pos moves on.
 * Inline: within a block the next entry is one load, where going through
 * the top array and the block again was a chain of four.
 */
static inline struct pmemset_part_map *
index_after(struct index_pos *pos)
{
	if (pos->j + 1 < pos->n)
		return __atomic_load_n(&pos->maps[++pos->j], __ATOMIC_ACQUIRE);
	return index_after_block(pos);
}

void index_destroy(struct pmemset *set);

#endif /* PMEMSET_INDEX_H */
