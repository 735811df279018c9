/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sandbox.c -- the restricted interpreter of PMEMSET_LUA_SANDBOX, for
 * policy scripts an operator may change without review of the program.
 *
 * Removed: everything that starts programs (os.execute, io.popen), loads
 * native code (package.loadlib and the C searchers of require), changes
 * the file system or the process (os.remove, os.rename, os.tmpname,
 * os.exit, os.setlocale), produces or loads bytecode (string.dump; the
 * host loads text only) and the debug library, which can reach every
 * upvalue and metatable. Reading files (io.open, dofile) stays, as policies
 * may read their own data; require still finds preloaded and Lua modules.
 */

#include <lauxlib.h>

#include "host.h"

static void
remove_fields(lua_State *L, const char *table, const char *const names[])
{
	if (lua_getglobal(L, table) != LUA_TTABLE) {
		lua_pop(L, 1);
		return;
	}
	for (int i = 0; names[i]; i++) {
		lua_pushnil(L);
		lua_setfield(L, -2, names[i]);
	}
	lua_pop(L, 1);
}

/* keep the preload and Lua searchers (1 and 2), drop the C ones */
static void
drop_c_searchers(lua_State *L)
{
	lua_getglobal(L, "package");
	lua_getfield(L, -1, "searchers");
	for (lua_Integer i = luaL_len(L, -1); i > 2; i--) {
		lua_pushnil(L);
		lua_rawseti(L, -2, i);
	}
	lua_pop(L, 2);
	/* package.cpath would only tell where native code could be */
	lua_getglobal(L, "package");
	lua_pushliteral(L, "");
	lua_setfield(L, -2, "cpath");
	lua_pop(L, 1);
}

/* load, loadfile and dofile accept source text only */
static const char text_only[] = "local load, loadfile = load, loadfile\n"
				"_G.load = function(chunk, name, _, env)\n"
				"  return load(chunk, name, 't', env)\n"
				"end\n"
				"_G.loadfile = function(file, _, env)\n"
				"  return loadfile(file, 't', env)\n"
				"end\n"
				"_G.dofile = function(file)\n"
				"  local f = assert(loadfile(file, 't'))\n"
				"  return f()\n"
				"end\n";

void
host_sandbox(lua_State *L)
{
	static const char *const os_names[] = { "execute", "exit",
						"remove",  "rename",
						"tmpname", "setlocale",
						NULL };
	static const char *const io_names[] = { "popen", NULL };
	static const char *const package_names[] = { "loadlib", NULL };
	static const char *const string_names[] = { "dump", NULL };

	remove_fields(L, "os", os_names);
	remove_fields(L, "io", io_names);
	remove_fields(L, "package", package_names);
	remove_fields(L, "string", string_names);
	drop_c_searchers(L);
	if (luaL_dostring(L, text_only) != LUA_OK)
		lua_pop(L, 1); /* cannot fail on a fresh state but for memory */

	/* the debug library, also from package.loaded */
	lua_pushnil(L);
	lua_setglobal(L, "debug");
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	lua_pushnil(L);
	lua_setfield(L, -2, "debug");
	lua_pop(L, 1);
}
