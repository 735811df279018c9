/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * index.h -- the address index of part maps: the fast path of
 * pmemset_part_map_by_address.
 *
 * The red-black tree stays the registry (iteration, ranges, removal). This
 * index maps each part map's start address to the part map in a JudyL
 * array (libjudy), whose floor search touches a few dense cache lines where
 * a tree search touches one scattered node per level: with 50,000 parts
 * that is the difference between ~45 and ~80+ ns. It is an accelerator
 * only: if Judy cannot allocate, the index is dropped, lookups use the tree
 * and the next change rebuilds it. All calls hold the set's lock.
 */

#ifndef PMEMSET_INDEX_H
#define PMEMSET_INDEX_H 1

struct pmemset;
struct pmemset_part_map;

void index_insert(struct pmemset *set, struct pmemset_part_map *m);
void index_remove(struct pmemset *set, struct pmemset_part_map *m);

/* index_rekey -- m's start moved from old_addr to m->addr */
void index_rekey(struct pmemset *set, struct pmemset_part_map *m,
		 char *old_addr);

/*
 * index_floor -- the part map with the greatest start <= addr, or NULL;
 * only while set->index_ok
 */
struct pmemset_part_map *index_floor(struct pmemset *set, const char *addr);

void index_destroy(struct pmemset *set);

#endif /* PMEMSET_INDEX_H */
