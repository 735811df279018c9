/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * map_config.h -- struct pmemset_map_config.
 */

#ifndef PMEMSET_MAP_CONFIG_H
#define PMEMSET_MAP_CONFIG_H 1

#include <libpmemset.h>

struct pmemset_map_config {
	size_t offset;
	size_t length; /* 0: the whole source */
};

#endif /* PMEMSET_MAP_CONFIG_H */
