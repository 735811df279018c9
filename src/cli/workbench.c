/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * workbench.c -- calls into pmemset.workbench for pmemset-lua's workbench
 * options; the formatting and checking live in Lua, once.
 */

#include <lauxlib.h>
#include <lua.h>

#include "workbench.h"

/* runs in protected mode: 1 = fn name, 2 = argument count, 3 = args */
static int
call(lua_State *L)
{
	const char *fn = lua_touserdata(L, 1);
	int n = (int)lua_tointeger(L, 2);
	const char *const *args = lua_touserdata(L, 3);
	/* "pmemset" first: it loads the embedded pmemset.* files */
	lua_getglobal(L, "require");
	lua_pushliteral(L, "pmemset");
	lua_call(L, 1, 0);
	lua_getglobal(L, "require");
	lua_pushliteral(L, "pmemset.workbench");
	lua_call(L, 1, 1);
	lua_getfield(L, -1, fn);
	for (int i = 0; i < n; i++) {
		if (args[i])
			lua_pushstring(L, args[i]);
		else
			lua_pushnil(L);
	}
	lua_call(L, n, 2);
	return 2;
}

int
workbench_call(struct pmemset_lua *host, const char *fn, int n,
	       const char *const args[], FILE *out)
{
	lua_State *L = pmemset_lua_state(host);
	int top = lua_gettop(L);
	lua_pushcfunction(L, call);
	lua_pushlightuserdata(L, (void *)fn);
	lua_pushinteger(L, n);
	lua_pushlightuserdata(L, (void *)args);
	int status = 0;
	if (lua_pcall(L, 3, 2, 0) != LUA_OK) {
		const char *msg = lua_tostring(L, -1);
		fprintf(stderr, "pmemset-lua: %s\n",
			msg ? msg : "(error object is not a string)");
		status = 1;
	} else {
		const char *text = lua_tostring(L, -2);
		if (text && *text)
			fprintf(out, "%s\n", text);
		status = lua_tointeger(L, -1) == 0 ? 0 : 1;
	}
	lua_settop(L, top);
	return status;
}
