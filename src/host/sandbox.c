/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sandbox.c -- the interpreter of PMEMSET_LUA_SANDBOX, for policy scripts
 * an operator may change without a review of the program.
 *
 * An allow-list, in the manner of Redis's script engine: the scripts' global
 * table starts empty and gets, by name, what policies need (see BUILD
 * below). Nothing reaches io, os beyond the clock, debug, package, native
 * code or bytecode; files are read (loadfile, dofile, host.read_file) and
 * sources created only under the directories the host granted
 * (lconfine.c). The globals and every library table are read-only to
 * scripts: assigning a global is an error (a typo must not leak between
 * scripts), and library functions cannot be replaced under other scripts.
 * C code (the host, an application through pmemset_lua_state) may still
 * set globals, as long as no Lua function is running.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "host.h"

/* its address is the registry key of the table behind the globals */
static const char base_key;

/* whether a Lua function (not only C) is on the stack of L */
static int
lua_is_running(lua_State *L)
{
	lua_Debug ar;
	for (int level = 1; lua_getstack(L, level, &ar); level++) {
		if (lua_getinfo(L, "S", &ar) && strcmp(ar.what, "C") != 0)
			return 1;
	}
	return 0;
}

/* __newindex of the globals: scripts may not, C code may */
static int
global_newindex(lua_State *L)
{
	if (lua_is_running(L))
		return luaL_error(L,
				  "assignment to undeclared global '%s' (the "
				  "sandbox's globals are read-only: use local)",
				  lua_type(L, 2) == LUA_TSTRING
					  ? lua_tostring(L, 2)
					  : luaL_typename(L, 2));
	lua_rawset(L, lua_upvalueindex(1));
	return 0;
}

void
host_setglobal(lua_State *L, const char *name)
{
	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &base_key) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_setglobal(L, name);
		return;
	}
	lua_insert(L, -2);
	lua_setfield(L, -2, name);
	lua_pop(L, 1);
}

/* the file of host.read_file, closed by __gc even if a read raises */
#define READER_MT "pmemset_lua.reader"

static int
reader_gc(lua_State *L)
{
	FILE **f = luaL_checkudata(L, 1, READER_MT);
	if (*f) {
		fclose(*f);
		*f = NULL;
	}
	return 0;
}

/* host.read_file(path) -> contents -- the confined reader of data files */
static int
read_file(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	lp_check_path(L, "host.read_file", path, LP_CONFINE_READ);
	lua_settop(L, 1);
	FILE **f = lua_newuserdatauv(L, sizeof(*f), 0);
	*f = NULL;
	luaL_setmetatable(L, READER_MT);
	*f = fopen(path, "rb");
	if (!*f) {
		int err = errno;
		lua_pushnil(L);
		lua_pushfstring(L, "%s: %s", path, strerror(err));
		return 2;
	}
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	size_t n;
	do {
		char *p = luaL_prepbuffer(&b);
		n = fread(p, 1, LUAL_BUFFERSIZE, *f);
		luaL_addsize(&b, n);
	} while (n == LUAL_BUFFERSIZE);
	if (ferror(*f)) {
		lua_pushnil(L);
		lua_pushfstring(L, "%s: read error", path);
		return 2;
	}
	luaL_pushresult(&b);
	return 1;
}

/* loadfile(path [, mode [, env]]) -- text only, confined; nil, message */
static int
confined_loadfile(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	int env = !lua_isnone(L, 3) ? 3 : 0;
	char msg[2 * 4096 + 160];
	if (lp_confine_path(L, path, LP_CONFINE_READ, msg, sizeof(msg))) {
		lua_pushnil(L);
		lua_pushfstring(L, "loadfile: %s", msg);
		return 2;
	}
	if (luaL_loadfilex(L, path, "t") != LUA_OK) {
		lua_pushnil(L);
		lua_insert(L, -2);
		return 2;
	}
	if (env) {
		lua_pushvalue(L, env);
		if (!lua_setupvalue(L, -2, 1))
			lua_pop(L, 1);
	}
	return 1;
}

/* dofile(path) -- text only, confined */
static int
confined_dofile(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	lua_settop(L, 1);
	lp_check_path(L, "dofile", path, LP_CONFINE_READ);
	if (luaL_loadfilex(L, path, "t") != LUA_OK)
		return lua_error(L);
	lua_call(L, 0, LUA_MULTRET);
	return lua_gettop(L) - 1;
}

/*
 * Runs with the full globals of the trusted setup: G (the globals so far),
 * base (the table behind the new globals), env (the new, empty globals),
 * the C functions above. Copies what policies need into base; everything
 * reachable from it is frozen (read-only proxies).
 */
static const char build[] =
	"local G, base, env, newindex, read_file, loadfile_, dofile_ = ...\n"
	"local error, next, pairs, type, tostring, select = \n"
	"  G.error, G.next, G.pairs, G.type, G.tostring, G.select\n"
	"local setmetatable, getmetatable = G.setmetatable, G.getmetatable\n"
	"local load, collectgarbage = G.load, G.collectgarbage\n"
	"local done = {}\n"
	"-- pairs over a proxy: the table behind it must not reach the script\n"
	"local function walker(t)\n"
	"  return function(_, k) return next(t, k) end\n"
	"end\n"
	"local function freeze(t, name)\n"
	"  if done[t] then return done[t] end\n"
	"  local copy, proxy = {}, {}\n"
	"  setmetatable(proxy, {\n"
	"    __index = copy,\n"
	"    __newindex = function(_, k)\n"
	"      error(name .. '.' .. tostring(k) .. ' is read-only', 2)\n"
	"    end,\n"
	"    __pairs = function() return walker(copy), proxy, nil end,\n"
	"    __len = function() return #copy end,\n"
	"    __metatable = false,\n"
	"  })\n"
	"  done[t] = proxy\n"
	"  for k, v in next, t do\n"
	"    if type(v) == 'table' then v = freeze(v, name .. '.' .. "
	"tostring(k)) end\n"
	"    copy[k] = v\n"
	"  end\n"
	"  return proxy\n"
	"end\n"
	"local function pick(t, names)\n"
	"  local r = {}\n"
	"  for _, k in G.ipairs(names) do r[k] = t[k] end\n"
	"  return r\n"
	"end\n"
	"for _, k in G.ipairs{ 'assert', 'error', 'ipairs', 'next', 'pairs',\n"
	"    'pcall', 'print', 'rawequal', 'rawget', 'rawlen', 'select',\n"
	"    'tonumber', 'tostring', 'type', 'xpcall', '_VERSION' } do\n"
	"  base[k] = G[k]\n"
	"end\n"
	"local rawget = G.rawget\n"
	"base.setmetatable = function(t, mt)\n"
	"  for _, m in G.ipairs { '__gc', '__close' } do\n"
	"    if type(mt) == 'table' and rawget(mt, m) ~= nil then\n"
	"      error('setmetatable: ' .. m .. ' is not allowed in the '\n"
	"            .. 'sandbox (Lua may run it where no limit can stop '\n"
	"            .. 'it)', 2)\n"
	"    end\n"
	"  end\n"
	"  return setmetatable(t, mt)\n"
	"end\n"
	"base.getmetatable = function(v)\n"
	"  if type(v) == 'table' then return getmetatable(v) end\n"
	"  return nil\n"
	"end\n"
	"local gc_ok = { collect = true, count = true, step = true }\n"
	"base.collectgarbage = function(opt, ...)\n"
	"  opt = opt or 'collect'\n"
	"  if not gc_ok[opt] then\n"
	"    error(\"collectgarbage: option '\" .. tostring(opt) ..\n"
	"          \"' is not allowed in the sandbox\", 2)\n"
	"  end\n"
	"  return collectgarbage(opt, ...)\n"
	"end\n"
	"base.load = function(chunk, name, _, ...)\n"
	"  if select('#', ...) > 0 then return load(chunk, name, 't', ...) "
	"end\n"
	"  return load(chunk, name, 't')\n"
	"end\n"
	"base.loadfile = loadfile_\n"
	"base.dofile = dofile_\n"
	"local string = {}\n"
	"for k, v in pairs(G.string) do\n"
	"  if k ~= 'dump' then string[k] = v end\n"
	"end\n"
	"base.string = freeze(string, 'string')\n"
	"G.getmetatable('').__index = base.string\n"
	"G.string.dump = nil\n"
	"base.table = freeze(G.table, 'table')\n"
	"base.math = freeze(G.math, 'math')\n"
	"base.utf8 = freeze(G.utf8, 'utf8')\n"
	"base.coroutine = freeze(G.coroutine, 'coroutine')\n"
	"base.os = freeze(pick(G.os, { 'time', 'clock', 'date' }), 'os')\n"
	"local host = pick(G.host, { 'get', 'set', 'delete', 'keys', 'track',\n"
	"  'untrack', 'errormsg' })\n"
	"host.read_file = read_file\n"
	"base.host = freeze(host, 'host')\n"
	"local pmemset = G.require 'pmemset'\n"
	"local module = {}\n"
	"for k, v in pairs(pmemset) do\n"
	"  if k ~= 'emu' and k ~= 'inventory' then module[k] = v end\n"
	"end\n"
	"module = freeze(module, 'pmemset')\n"
	"-- the module's own Lua code (layout.lua: layout scripts, lent\n"
	"-- policies) loads with these: the confined loader, into the\n"
	"-- sandbox's globals\n"
	"G.loadfile, G.dofile, G._G = loadfile_, dofile_, env\n"
	"base.require = function(name)\n"
	"  if name == 'pmemset' then return module end\n"
	"  error(\"module '\" .. tostring(name) ..\n"
	"        \"' is not available in the sandbox (only pmemset)\", 2)\n"
	"end\n"
	"base._G = env\n"
	"setmetatable(env, { __index = base, __newindex = newindex,\n"
	"  __pairs = function() return walker(base), env, nil end,\n"
	"  __metatable = false })\n";

void
host_sandbox(struct pmemset_lua *host)
{
	lua_State *L = host->L;
	lp_confine_register(L, &host->confine);
	luaL_newmetatable(L, READER_MT);
	lua_pushcfunction(L, reader_gc);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
	lua_newtable(L); /* env, the new globals */
	int env = lua_gettop(L);
	if (luaL_loadbufferx(L, build, sizeof(build) - 1, "=sandbox", "t"))
		lua_error(L);
	lua_pushglobaltable(L);
	lua_newtable(L); /* base */
	lua_pushvalue(L, -1);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &base_key);
	lua_pushvalue(L, env);
	lua_pushvalue(L, -2);
	lua_pushcclosure(L, global_newindex, 1);
	lua_pushcfunction(L, read_file);
	lua_pushcfunction(L, confined_loadfile);
	lua_pushcfunction(L, confined_dofile);
	lua_call(L, 7, 0);
	/* after the build: the module's own chunks keep the full globals */
	lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
	/* nothing left that reaches the full libraries */
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	static const char *const gone[] = { "_G",    "io",	"os",
					    "debug", "package", NULL };
	for (int i = 0; gone[i]; i++) {
		lua_pushnil(L);
		lua_setfield(L, -2, gone[i]);
	}
	lua_pop(L, 1);
}
