/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * badblock.h -- bad-block detection at map time.
 */

#ifndef PMEMSET_BADBLOCK_H
#define PMEMSET_BADBLOCK_H 1

struct pmemset;
struct pmemset_source;

/*
 * badblock_check -- step 3 of pmemset_map (contract §3.11): report each bad
 * block, rescan, IO_FAIL if any remain. 0 when detection is off.
 */
int badblock_check(struct pmemset *set, struct pmemset_source *src);

#endif /* PMEMSET_BADBLOCK_H */
