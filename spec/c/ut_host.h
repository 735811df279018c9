/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ut_host.h -- what the host tests share: a set created from a config the
 * host's current policy is attached to (the way applications embed it).
 */

#ifndef PMEMSET_UT_HOST_H
#define PMEMSET_UT_HOST_H 1

#include <libpmem2.h>
#include <pmemset_lua.h>

#include "ut.h"

/* ut_attached_set -- a page-granularity set reporting to host */
static inline struct pmemset *
ut_attached_set(struct pmemset_lua *host)
{
	struct pmemset_config *cfg;
	struct pmemset *set;
	UT_OK(pmemset_config_new(&cfg));
	UT_OK(pmemset_config_set_required_store_granularity(
		cfg, PMEM2_GRANULARITY_PAGE));
	UT_OK(pmemset_lua_attach(host, cfg));
	UT_OK(pmemset_new(&set, cfg));
	UT_OK(pmemset_config_delete(&cfg));
	return set;
}

#endif /* ut_host.h */
