/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * host.c -- embeds the Lua host through pmemset::lua and prints the
 * version the module reports.
 */

#include <stdio.h>

#include <pmemset_lua.h>

int
main(void)
{
	struct pmemset_lua *host;
	if (pmemset_lua_new(&host, PMEMSET_LUA_SANDBOX)) {
		fprintf(stderr, "pmemset_lua_new failed\n");
		return 1;
	}
	int ret = pmemset_lua_run_string(
		host, "print('pmemset ' .. require('pmemset')._VERSION)",
		"version");
	if (ret)
		fprintf(stderr, "%s\n", pmemset_lua_errormsg(host));
	pmemset_lua_delete(&host);
	return ret ? 1 : 0;
}
