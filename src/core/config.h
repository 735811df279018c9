/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config.h -- struct pmemset_config, the builder a set is made from.
 */

#ifndef PMEMSET_CONFIG_H
#define PMEMSET_CONFIG_H 1

#include <libpmemset.h>
#include "pmemset_ext.h"

#define PART_STATES_ALL                                                        \
	(PMEMSET_PART_STATE_INDETERMINATE | PMEMSET_PART_STATE_OK |            \
	 PMEMSET_PART_STATE_OK_BUT_ALREADY_OPEN |                              \
	 PMEMSET_PART_STATE_OK_BUT_INTERRUPTED | PMEMSET_PART_STATE_CORRUPTED)

struct pmemset_config {
	enum pmem2_granularity granularity;
	int granularity_set;
	struct pmem2_vm_reservation *rsv; /* borrowed */
	pmemset_event_callback *callback;
	void *callback_arg;
	uint64_t event_mask;
	uint64_t acceptable_states;
	pmemset_state_policy *policy;
	void *policy_arg;
};

#endif /* PMEMSET_CONFIG_H */
