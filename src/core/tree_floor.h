/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tree_floor.h -- the one search every address tree of the core makes.
 */

#ifndef PMEMSET_TREE_FLOOR_H
#define PMEMSET_TREE_FLOOR_H 1

#include <bsd/sys/tree.h>

/*
 * TREE_FLOOR -- in a <bsd/sys/tree.h> red-black tree of nodes with a
 * `char *addr` key, the node with the greatest addr <= key, or NULL. Parts,
 * part maps and free extents are all searched this way (each then tests
 * whether key lies before the node's end); a macro, as the trees' types
 * differ.
 */
#define TREE_FLOOR(type, field, root, key, out)                                \
	do {                                                                   \
		type *n_ = (root);                                             \
		(out) = NULL;                                                  \
		while (n_) {                                                   \
			if (n_->addr <= (key)) {                               \
				(out) = n_;                                    \
				n_ = RB_RIGHT(n_, field);                      \
			} else {                                               \
				n_ = RB_LEFT(n_, field);                       \
			}                                                      \
		}                                                              \
	} while (0)

#endif /* PMEMSET_TREE_FLOOR_H */
