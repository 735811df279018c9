/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * map_config.c -- pmemset_map_config_*: offset and length of one map.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "err.h"
#include "map_config.h"

int
pmemset_map_config_new(struct pmemset_map_config **map_cfg)
{
	if (map_cfg == NULL)
		return err_msg(-EINVAL, "map config pointer is NULL");
	*map_cfg = calloc(1, sizeof(**map_cfg));
	if (*map_cfg == NULL)
		return err_errno(-ENOMEM, ENOMEM,
				 "cannot allocate a map config");
	return 0;
}

int
pmemset_map_config_set_offset(struct pmemset_map_config *map_cfg, size_t offset)
{
	if (map_cfg == NULL)
		return err_msg(-EINVAL, "map config is NULL");
	if (offset > INT64_MAX)
		return err_msg(PMEMSET_E_OFFSET_OUT_OF_RANGE,
			       "offset %zu is greater than INT64_MAX", offset);
	map_cfg->offset = offset;
	return 0;
}

void
pmemset_map_config_set_length(struct pmemset_map_config *map_cfg, size_t length)
{
	if (map_cfg)
		map_cfg->length = length;
}

int
pmemset_map_config_delete(struct pmemset_map_config **map_cfg)
{
	if (map_cfg == NULL)
		return 0;
	free(*map_cfg);
	*map_cfg = NULL;
	return 0;
}
