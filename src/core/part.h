/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * part.h -- one part: a libpmem2 mapping of one source range.
 *
 * A part leaves its set in three steps, so the set's lock is not held
 * across the deep flush and the unmapping system calls: part_unpublish
 * (under the write lock: no lookup, iteration or deep flush finds it any
 * more), then parts_unmap (without the lock: flush, unmap, and the slot
 * back to its arena under the lock for that one moment). Until its slot
 * is released no other part can be placed there.
 */

#ifndef PMEMSET_PART_H
#define PMEMSET_PART_H 1

#include "set.h"

/*
 * part_unpublish -- take p out of the set's part tree and push it on
 * *gone. Part-map bookkeeping is the caller's. With the write lock held.
 */
void part_unpublish(struct pmemset *set, struct part *p, struct part **gone);

/*
 * parts_unmap -- every part of the list `gone`: deep flush of its
 * intersection with [flush_lo, flush_hi) (nothing when they are equal),
 * unmap, slot back to the arena, the source's use count and SDS refcount
 * (SDS_UPDATE), free. Without the set's lock held.
 */
void parts_unmap(struct pmemset *set, struct part *gone, char *flush_lo,
		 char *flush_hi);

/* pmap_first_part -- the first part of part map m */
struct part *pmap_first_part(struct pmemset *set, struct pmemset_part_map *m);

#endif /* PMEMSET_PART_H */
