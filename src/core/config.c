/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config.c -- pmemset_config_* functions.
 */

#include <errno.h>
#include <stdlib.h>

#include "config.h"
#include "err.h"

int
pmemset_config_new(struct pmemset_config **cfg)
{
	if (cfg == NULL)
		return err_msg(-EINVAL, "config pointer is NULL");
	*cfg = calloc(1, sizeof(**cfg));
	if (*cfg == NULL)
		return err_errno(-ENOMEM, ENOMEM, "cannot allocate a config");
	(*cfg)->acceptable_states =
		PMEMSET_PART_STATE_OK | PMEMSET_PART_STATE_OK_BUT_ALREADY_OPEN;
	(*cfg)->event_mask = PMEMSET_EVENT_MASK_ALL;
	return 0;
}

void
pmemset_config_set_reservation(struct pmemset_config *cfg,
			       struct pmem2_vm_reservation *rsv)
{
	if (cfg)
		cfg->rsv = rsv;
}

int
pmemset_config_set_acceptable_states(struct pmemset_config *cfg,
				     uint64_t states)
{
	if (cfg == NULL)
		return err_msg(-EINVAL, "config is NULL");
	if (states & ~(uint64_t)PART_STATES_ALL)
		return err_msg(
			PMEMSET_E_INVALID_PART_STATES,
			"acceptable states 0x%llx has bits outside the five "
			"part states (valid mask 0x%x)",
			(unsigned long long)states, PART_STATES_ALL);
	cfg->acceptable_states = states;
	return 0;
}

void
pmemset_config_set_event_callback(struct pmemset_config *config,
				  pmemset_event_callback *callback, void *arg)
{
	if (config == NULL)
		return;
	config->callback = callback;
	config->callback_arg = arg;
}

int
pmemset_config_set_event_mask(struct pmemset_config *cfg, uint64_t mask)
{
	if (cfg == NULL)
		return err_msg(-EINVAL, "config is NULL");
	if (mask & ~PMEMSET_EVENT_MASK_ALL)
		return err_msg(
			-EINVAL,
			"event mask 0x%llx has bits for no event (valid mask "
			"0x%llx)",
			(unsigned long long)mask,
			(unsigned long long)PMEMSET_EVENT_MASK_ALL);
	cfg->event_mask = mask;
	return 0;
}

void
pmemset_config_set_state_policy(struct pmemset_config *cfg,
				pmemset_state_policy *policy, void *arg)
{
	if (cfg == NULL)
		return;
	cfg->policy = policy;
	cfg->policy_arg = arg;
}

int
pmemset_config_set_required_store_granularity(struct pmemset_config *cfg,
					      enum pmem2_granularity g)
{
	if (cfg == NULL)
		return err_msg(-EINVAL, "config is NULL");
	if (g != PMEM2_GRANULARITY_BYTE && g != PMEM2_GRANULARITY_CACHE_LINE &&
	    g != PMEM2_GRANULARITY_PAGE)
		return err_msg(
			PMEMSET_E_GRANULARITY_NOT_SUPPORTED,
			"granularity %d is none of BYTE, CACHE_LINE, PAGE",
			(int)g);
	cfg->granularity = g;
	cfg->granularity_set = 1;
	return 0;
}

int
pmemset_config_delete(struct pmemset_config **cfg)
{
	if (cfg == NULL)
		return 0;
	free(*cfg);
	*cfg = NULL;
	return 0;
}
