/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * index.h -- the address index of part maps: the fast path of
 * pmemset_part_map_by_address.
 *
 * The red-black tree stays the registry (iteration, ranges, removal). The
 * index answers "which part map starts at or below this address" faster
 * than a tree search, whose nodes are scattered and whose comparisons the
 * CPU cannot predict:
 *
 * - up to ARRAY_MAX part maps, a sorted array of start addresses searched
 *   without branches (measured 9 ns at 1,000 entries, 22 ns at 50,000;
 *   insert and remove move at most ARRAY_MAX entries, a few microseconds
 *   next to the tens a mapping costs);
 * - beyond, a JudyL array (libjudy), O(log256 n) with few cache lines per
 *   search (34 ns at 5,000 to 50,000 part maps, where the tree takes
 *   46 to 137 ns).
 *
 * Both are accelerators only: if one cannot allocate it is dropped, the
 * other (or the tree) answers, and it is rebuilt later. All calls hold
 * the set's lock (lookups for reading, the rest for writing).
 */

#ifndef PMEMSET_INDEX_H
#define PMEMSET_INDEX_H 1

#include <stddef.h>
#include <stdint.h>

struct pmemset;
struct pmemset_part_map;

struct pmap_index {
	void *judy;	   /* JudyL: start -> part map */
	int judy_ok;	   /* 0 after an allocation failure dropped it */
	uintptr_t *starts; /* sorted; maps[i] starts at starts[i] */
	struct pmemset_part_map **maps;
	size_t n, cap;
	int array_ok; /* the array mirrors the tree */
};

void index_init(struct pmemset *set);
void index_insert(struct pmemset *set, struct pmemset_part_map *m);
void index_remove(struct pmemset *set, struct pmemset_part_map *m);

/* index_rekey -- m's start moved from old_addr to m->addr, order kept */
void index_rekey(struct pmemset *set, struct pmemset_part_map *m,
		 char *old_addr);

/*
 * index_floor -- 1 when the index answered: *m is then the part map with
 * the greatest start <= addr, or NULL; 0 when the tree must answer
 */
int index_floor(struct pmemset *set, const char *addr,
		struct pmemset_part_map **m);

void index_destroy(struct pmemset *set);

#endif /* PMEMSET_INDEX_H */
