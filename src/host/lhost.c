/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lhost.c -- the global table `host` of the host's interpreter: tracking
 * keys from Lua.
 *
 *   host.get(key) -> value | nil
 *   host.set(key, value)            value: a non-negative integer or string
 *   host.delete(key) -> true | nil, message
 *   host.keys([prefix]) -> iterator of key, value (a snapshot, in order)
 *   host.track(key, changes, fn) -> handle
 *       changes: list of "add", "delete", "modify" and optionally "prefix";
 *       fn(change, key, new, old) runs under pcall (an error is kept as the
 *       host's message)
 *   host.untrack(handle) -> true | nil, message
 *   host.errormsg() -> the host's last error message
 */

#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "host.h"

/***
 * The global table `host` of the embeddable host's interpreter (and of
 * pmemset-lua): the tracking keys from Lua (docs/host.md).
 * @module host
 */

static void
push_value(lua_State *L, struct pmemset_lua_value v)
{
	switch (v.type) {
	case PMEMSET_LUA_VALUE_U64:
		lua_pushinteger(L, (lua_Integer)v.u64);
		break;
	case PMEMSET_LUA_VALUE_STRING:
		lua_pushstring(L, v.str);
		break;
	default:
		lua_pushnil(L);
	}
}

/***
 * The value of a key.
 * @function get
 * @tparam string key
 * @treturn integer|string|nil
 */
static int
l_get(lua_State *L)
{
	struct pmemset_lua *host = host_from_state(L);
	const struct key_entry *e =
		keys_get(&host->keys, luaL_checkstring(L, 1));
	if (!e)
		lua_pushnil(L);
	else
		push_value(L, e->value);
	return 1;
}

/***
 * Adds a key or changes its value (trackers are told).
 * @function set
 * @tparam string key
 * @tparam integer|string value a non-negative integer or a string
 */
static int
l_set(lua_State *L)
{
	struct pmemset_lua *host = host_from_state(L);
	const char *key = luaL_checkstring(L, 1);
	luaL_argcheck(L, key[0] != '\0', 1, "empty key");
	size_t vlen = lua_type(L, 2) == LUA_TSTRING ? lua_rawlen(L, 2) + 1 : 0;
	limits_charge(L, host->keys.bytes, strlen(key) + 1 + vlen + 64);
	int ret;
	if (lua_isinteger(L, 2)) {
		lua_Integer v = lua_tointeger(L, 2);
		luaL_argcheck(L, v >= 0, 2, "negative integer");
		ret = keys_set_u64(&host->keys, key, (uint64_t)v);
	} else if (lua_type(L, 2) == LUA_TSTRING) {
		ret = keys_set_string(&host->keys, key, lua_tostring(L, 2));
	} else {
		return luaL_typeerror(L, 2, "integer or string");
	}
	if (ret)
		return limits_oom_error(L, "host.set");
	return 0;
}

/***
 * Deletes a key.
 * @function delete
 * @tparam string key
 * @treturn boolean true, or nil, message
 */
static int
l_delete(lua_State *L)
{
	struct pmemset_lua *host = host_from_state(L);
	const char *key = luaL_checkstring(L, 1);
	if (keys_delete(&host->keys, key)) {
		lua_pushnil(L);
		lua_pushfstring(L, "no key %s", key);
		return 2;
	}
	lua_pushboolean(L, 1);
	return 1;
}

static int
collect_key(const char *key, struct pmemset_lua_value value, void *arg)
{
	lua_State *L = arg;
	lua_pushstring(L, key);
	push_value(L, value);
	lua_rawset(L, -3);
	lua_pushstring(L, key);
	lua_rawseti(L, -3, (lua_Integer)lua_rawlen(L, -3) + 1);
	return 0;
}

/* upvalues: list of keys, map key -> value, next index */
static int
keys_next(lua_State *L)
{
	lua_Integer i = lua_tointeger(L, lua_upvalueindex(3)) + 1;
	if (lua_rawgeti(L, lua_upvalueindex(1), i) == LUA_TNIL)
		return 1;
	lua_pushinteger(L, i);
	lua_replace(L, lua_upvalueindex(3));
	lua_pushvalue(L, -1);
	lua_rawget(L, lua_upvalueindex(2));
	return 2;
}

/***
 * Iterates over the keys starting with prefix, in order (a snapshot).
 * @function keys
 * @tparam[opt] string prefix
 * @treturn function an iterator of key, value
 */
static int
l_keys(lua_State *L)
{
	struct pmemset_lua *host = host_from_state(L);
	const char *prefix = luaL_optstring(L, 1, "");
	lua_newtable(L); /* list */
	lua_newtable(L); /* values */
	keys_foreach(&host->keys, prefix, collect_key, L);
	lua_pushinteger(L, 0);
	lua_pushcclosure(L, keys_next, 3);
	return 1;
}

/* --- trackers written in Lua --- */

struct lua_tracker {
	struct pmemset_lua *host;
	int fn_ref;
};

static const char *
change_name(int32_t event)
{
	switch (event) {
	case PMEMSET_LUA_TRACK_ADD:
		return "add";
	case PMEMSET_LUA_TRACK_DELETE:
		return "delete";
	default:
		return "modify";
	}
}

struct notify_args {
	struct lua_tracker *t;
	int32_t event;
	const char *key;
	struct pmemset_lua_value new_value, old_value;
};

/* in protected mode: pushing the arguments may run out of memory */
static int
notify_protected(struct pmemset_lua *host, void *arg)
{
	const struct notify_args *a = arg;
	lua_State *L = host->L;
	luaL_checkstack(L, 8, "tracker");
	lua_rawgeti(L, LUA_REGISTRYINDEX, a->t->fn_ref);
	lua_pushstring(L, change_name(a->event));
	lua_pushstring(L, a->key);
	push_value(L, a->new_value);
	push_value(L, a->old_value);
	return host_pcall(host, 4, 0, "tracker");
}

static void
lua_notify(struct pmemset_lua *host, pmemset_lua_track_handle_t handle,
	   int32_t event, const char *key, struct pmemset_lua_value new_value,
	   struct pmemset_lua_value old_value, void *user_data)
{
	(void)handle;
	struct notify_args a = { user_data, event, key, new_value, old_value };
	host_protect(host, notify_protected, &a, "tracker");
}

static void
lua_release(void *user_data)
{
	struct lua_tracker *t = user_data;
	luaL_unref(t->host->L, LUA_REGISTRYINDEX, t->fn_ref);
	free(t);
}

static int32_t
check_changes(lua_State *L, int idx)
{
	static const char *const names[] = { "add", "delete", "modify",
					     "prefix", NULL };
	static const int32_t bits[] = { PMEMSET_LUA_TRACK_ADD,
					PMEMSET_LUA_TRACK_DELETE,
					PMEMSET_LUA_TRACK_MODIFY,
					PMEMSET_LUA_TRACK_PREFIX };
	luaL_checktype(L, idx, LUA_TTABLE);
	int32_t type = 0;
	lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
	for (lua_Integer i = 1; i <= n; i++) {
		lua_rawgeti(L, idx, i);
		type |= bits[luaL_checkoption(L, -1, NULL, names)];
		lua_pop(L, 1);
	}
	luaL_argcheck(L, type & ~PMEMSET_LUA_TRACK_PREFIX, idx,
		      "no change to track (add, delete, modify)");
	return type;
}

/***
 * Tracks the changes of a key (or of every key starting with it).
 * @function track
 * @tparam string key
 * @tparam {string,...} changes "add", "delete", "modify" and optionally
 * "prefix"
 * @tparam function fn `(change, key, new, old)`, run under pcall
 * @treturn integer the handle
 */
static int
l_track(lua_State *L)
{
	struct pmemset_lua *host = host_from_state(L);
	const char *key = luaL_checkstring(L, 1);
	int32_t type = check_changes(L, 2);
	luaL_checktype(L, 3, LUA_TFUNCTION);

	lua_pushvalue(L, 3);
	int ref = luaL_ref(L, LUA_REGISTRYINDEX); /* may raise: first */
	struct lua_tracker *t = malloc(sizeof(*t));
	if (!t) {
		luaL_unref(L, LUA_REGISTRYINDEX, ref);
		return limits_oom_error(L, "host.track");
	}
	t->host = host;
	t->fn_ref = ref;
	pmemset_lua_track_handle_t handle;
	if (keys_track_add(&host->keys, key, type, lua_notify, t, lua_release,
			   &handle)) {
		lua_release(t);
		return limits_oom_error(L, "host.track");
	}
	lua_pushinteger(L, (lua_Integer)handle);
	return 1;
}

/***
 * Stops a tracker.
 * @function untrack
 * @tparam integer handle
 * @treturn boolean true, or nil, message
 */
static int
l_untrack(lua_State *L)
{
	struct pmemset_lua *host = host_from_state(L);
	lua_Integer h = luaL_checkinteger(L, 1);
	if (keys_track_delete(&host->keys, (pmemset_lua_track_handle_t)h)) {
		lua_pushnil(L);
		lua_pushfstring(L, "no tracker %I", h);
		return 2;
	}
	lua_pushboolean(L, 1);
	return 1;
}

/***
 * The host's last error message.
 * @function errormsg
 * @treturn string
 */
static int
l_errormsg(lua_State *L)
{
	lua_pushstring(L, host_from_state(L)->errmsg);
	return 1;
}

void
host_open_lua(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{ "get", l_get },	    { "set", l_set },
		{ "delete", l_delete },	    { "keys", l_keys },
		{ "track", l_track },	    { "untrack", l_untrack },
		{ "errormsg", l_errormsg }, { NULL, NULL },
	};
	luaL_newlib(L, funcs);
	lua_setglobal(L, "host");
}
