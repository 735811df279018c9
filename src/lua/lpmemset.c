/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lpmemset.c -- the entry points of the module.
 *
 * luaopen_pmemset_core builds the C part (require "pmemset.core", found by
 * Lua's all-in-one loader in pmemset.so). luaopen_pmemset is the whole
 * module: the core plus the pure-Lua files of lua/pmemset, embedded at
 * build time, so neither the stock interpreter with only package.cpath
 * nor an embedding host needs the Lua files on package.path.
 */

#include <unistd.h>

#include "lpmemset.h"

/***
 * Lua 5.4 binding of libpmemset: `require "pmemset"`.
 *
 * Failures return nil, message, code where code names the constant
 * ("PMEMSET_E_...", "PMEM2_E_..." or an errno name such as "ENOENT");
 * misuse (wrong argument types, unknown option keys, bad values) raises an
 * error naming the argument or option. Sets and sources close with
 * close(), `<close>` and __gc, all idempotent.
 *
 * Fields: `errors` (name -> code), `flags` (memory-operation flag names
 * -> bits), `states` (state name -> bit), `events` (the event names in
 * order), `pagesize`, `version`.
 * @module pmemset
 */
#include "lp_embedded.h"

/***
 * A size in bytes: a non-negative integer, or a string of decimal digits
 * with an optional unit K M G T P or KiB MiB GiB TiB PiB (powers of 1024);
 * nothing else. The same grammar serves every size of pmemset (layouts,
 * options, the host, the CLI).
 * @function size
 * @tparam integer|string v the size, e.g. 4096, "64K", "2MiB"
 * @treturn integer the bytes, or nil and a message quoting v
 */

/***
 * Builds the set a layout table describes (lua/pmemset/init.lua binds
 * pmemset.layout.build; docs/layout.md lists the fields).
 * @function layout
 * @tparam table t the layout
 * @return set, parts, sources; or nil, message, code (nothing left behind)
 */

/***
 * Runs a layout script and builds what it returns (pmemset.layout.load).
 * @function load_layout
 * @tparam string path the script; its policy is relative to its directory
 * @tparam[opt] table env the environment of the scripts
 * @return set, parts, sources; or nil, message, code
 */

/***
 * Every problem of a layout table, without touching anything
 * (pmemset.layout.problems).
 * @function check_layout
 * @tparam table t the layout
 * @treturn {table,...} `{ path =, message = }` each; empty when t is valid
 */
static int
size_of(lua_State *L)
{
	size_t size;
	if (lp_tosize(L, 1, &size)) {
		lua_pushnil(L);
		lua_insert(L, -2);
		return 2;
	}
	lua_pushinteger(L, (lua_Integer)size);
	return 1;
}

/* pushes a list of the NULL-terminated names */
static void
push_names(lua_State *L, const char *const names[])
{
	lua_newtable(L);
	for (int i = 0; names[i]; i++) {
		lua_pushstring(L, names[i]);
		lua_rawseti(L, -2, i + 1);
	}
}

int
luaopen_pmemset_core(lua_State *L)
{
	luaL_checkversion(L);
	lp_open_event(L);
	lp_open_part(L);

	lua_newtable(L);
	lp_open_set(L);
	lp_open_source(L);
	lua_setfield(L, -2, "source");
	lp_open_health(L);
	lp_open_sds(L);
	lp_open_emu(L);
	lp_open_inventory(L);
	lp_open_path(L);
	lp_push_errors(L);
	lua_setfield(L, -2, "errors");
	lp_push_memflags(L);
	lua_setfield(L, -2, "flags");
	push_names(L, lp_event_names);
	lua_setfield(L, -2, "events");
	lua_pushcfunction(L, size_of);
	lua_setfield(L, -2, "size");
	lua_pushinteger(L, (lua_Integer)sysconf(_SC_PAGESIZE));
	lua_setfield(L, -2, "pagesize");
	lua_pushliteral(L, PMEMSET_VERSION); /* the CMake project version */
	lua_setfield(L, -2, "version");
	lua_pushliteral(L, PMEMSET_VERSION);
	lua_setfield(L, -2, "_VERSION");
	return 1;
}

/* runs one embedded chunk as module name, leaving it in package.loaded */
static void
load_chunk(lua_State *L, const struct lp_chunk *c)
{
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	if (lua_getfield(L, -1, c->name) != LUA_TNIL) {
		lua_pop(L, 2);
		return;
	}
	lua_pop(L, 1);
	if (luaL_loadbufferx(L, c->code, c->len, c->chunkname, "t"))
		lua_error(L);
	lua_pushstring(L, c->name);
	lua_pushliteral(L, ":embedded:");
	lua_call(L, 2, 1);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		lua_pushboolean(L, 1);
	}
	lua_setfield(L, -2, c->name);
	lua_pop(L, 1);
}

int
luaopen_pmemset(lua_State *L)
{
	luaL_requiref(L, "pmemset.core", luaopen_pmemset_core, 0);
	lua_pop(L, 1);
	/* the chunks come dependencies first, "pmemset" (init.lua) last */
	for (const struct lp_chunk *c = lp_chunks; c->name; c++)
		load_chunk(L, c);
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	lua_getfield(L, -1, "pmemset");
	return 1;
}
