/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flush.h -- deep flush over the parts of a range.
 */

#ifndef PMEMSET_FLUSH_H
#define PMEMSET_FLUSH_H 1

#include <stddef.h>

struct pmemset;

/*
 * set_deep_flush_locked -- pmem2_deep_flush once per part intersecting
 * [addr, addr+len), in address order; with the set's lock held.
 * 0, or PMEMSET_E_DEEP_FLUSH_FAIL at the first failure.
 */
int set_deep_flush_locked(struct pmemset *set, char *addr, size_t len);

#endif /* PMEMSET_FLUSH_H */
