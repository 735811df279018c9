/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sds.h -- shutdown data state: classifying a part's health at map time
 * and counting the parts of each SDS source.
 */

#ifndef PMEMSET_SDS_H
#define PMEMSET_SDS_H 1

#include <stdbool.h>

struct pmemset;
struct pmemset_source;

/*
 * sds_check -- step 2 of pmemset_map: read the device, classify the part,
 * report the state, ask the mask or the state policy. 0 when the part may
 * be mapped (always 0 for a source without SDS).
 */
int sds_check(struct pmemset *set, struct pmemset_source *src);

/*
 * sds_part_added/removed -- the use count of the source and, for an SDS
 * source, its refcount; SDS_UPDATE fires after the change.
 * sds_part_added returns whether the part counts in the SDS.
 */
bool sds_part_added(struct pmemset_source *src);
void sds_fire_update(struct pmemset *set, struct pmemset_source *src);
void sds_part_removed(struct pmemset *set, struct pmemset_source *src,
		      bool counted);

#endif /* PMEMSET_SDS_H */
