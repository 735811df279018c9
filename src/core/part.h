/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * part.h -- one part: a libpmem2 mapping of one source range.
 */

#ifndef PMEMSET_PART_H
#define PMEMSET_PART_H 1

#include "set.h"

/*
 * part_unmap -- take the part out of the set: registry, mapping, its slot
 * in the arena, the source's use count and SDS refcount (SDS_UPDATE), and
 * free it. Part-map bookkeeping is the caller's. Called with the set's
 * write lock held (or from pmemset_delete).
 */
void part_unmap(struct pmemset *set, struct part *p);

/* pmap_first_part -- the first part of part map m */
struct part *pmap_first_part(struct pmemset *set, struct pmemset_part_map *m);

#endif /* PMEMSET_PART_H */
