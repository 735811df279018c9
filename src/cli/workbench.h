/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * workbench.h -- pmemset-lua's workbench options (--check, --inventory,
 * --format json, --svg): thin calls of the Lua functions of
 * pmemset.workbench (lua/pmemset/workbench.lua), which do the work.
 */

#ifndef PMEMSET_CLI_WORKBENCH_H
#define PMEMSET_CLI_WORKBENCH_H 1

#include <stdio.h>

#include <pmemset_lua.h>

/*
 * workbench_call -- runs pmemset.workbench[fn](args[0], ..., args[n - 1])
 * (NULL args are nil) in the host's interpreter and writes the text it
 * returns, and a newline, to out. Returns the status the function
 * returned (0 or 1); 1 with a message on stderr when it raised.
 */
int workbench_call(struct pmemset_lua *host, const char *fn, int n,
		   const char *const args[], FILE *out);

#endif /* workbench.h */
