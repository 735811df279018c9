/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * reload.c -- pmemset_lua_reload_policy: a new policy for every attached
 * config and every set the host mapped from a layout, at once.
 *
 * Everything that can fail happens before the first change: the script is
 * run and its table checked (host_policy_table), and no handler or state
 * policy of the host's sets may be running (a reload from inside one would
 * change the policy under the event it is handling). Then each set object
 * takes the new handlers and states (lp_set_policy, which checks again
 * before it changes anything, so the first set would refuse a policy the
 * others would too), the layouts' sets are subscribed to the kinds the new
 * handlers need, and the policy becomes the host's current one. Sets that
 * C code created from attached configs take the new handlers through
 * their binding but keep the kinds they were created with (the host does
 * not own them and is not told when they are deleted). Events are
 * delivered with the host's handlers looked up when the event starts: one
 * that started before the swap ends with the old handler, the next one
 * gets the new handler.
 */

#include <errno.h>
#include <stdlib.h>

#include <lauxlib.h>

#include <pmemset_ext.h>

#include "host.h"

/* pushes the host's set objects (bindings, then layout sets) as a list */
static void
push_set_objects(lua_State *L, struct pmemset_lua *host)
{
	lua_newtable(L);
	int list = lua_gettop(L);
	lua_Integer n = 0;
	lua_getfield(L, LUA_REGISTRYINDEX, HOST_BINDINGS_KEY);
	for (lua_Integer i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++)
		lua_rawseti(L, list, ++n);
	lua_pop(L, 2);
	for (struct host_set *hs = host->sets; hs; hs = hs->next) {
		lua_rawgeti(L, LUA_REGISTRYINDEX, hs->ref);
		lua_getfield(L, -1, "set");
		lua_rawseti(L, list, ++n);
		lua_pop(L, 1);
	}
}

/*
 * 1 = the policy table, 2 = the host, 3 = where the new event mask goes
 * (light userdata); raises before any change
 */
static int
swap_protected(lua_State *L)
{
	push_set_objects(L, lua_touserdata(L, 2));
	lua_replace(L, 2);
	lua_Integer n = (lua_Integer)lua_rawlen(L, 2);
	for (lua_Integer i = 1; i <= n; i++) {
		lua_rawgeti(L, 2, i);
		if (lp_checkset(L, -1)->depth > 0)
			luaL_error(L, "not from an event handler or a state "
				      "policy of the host's sets");
		lua_pop(L, 1);
	}
	uint64_t *mask = lua_touserdata(L, 3);
	for (lua_Integer i = 1; i <= n; i++) {
		lua_rawgeti(L, 2, i);
		*mask = lp_set_policy(L, -1, 1);
		lua_pop(L, 1);
	}
	return 0;
}

/* the layouts' sets: the host owns them, they live until it says */
static void
subscribe_layout_sets(struct pmemset_lua *host, uint64_t mask)
{
	for (struct host_set *hs = host->sets; hs; hs = hs->next)
		pmemset_set_event_mask(hs->set, mask);
}

int
pmemset_lua_reload_policy(struct pmemset_lua *host, const char *path)
{
	if (!host)
		return -EINVAL;
	if (!path)
		return host_err(host, -EINVAL, "reload_policy: path is NULL");
	host_lock(host);
	lua_State *L = host->L;
	int ret = host_load_file(host, path);
	if (!ret)
		ret = host_policy_table(host, path);
	if (ret) {
		host_unlock(host);
		return ret;
	}
	int policy = lua_gettop(L);
	uint64_t mask = 0;
	lua_pushcfunction(L, swap_protected);
	lua_pushvalue(L, policy);
	lua_pushlightuserdata(L, host);
	lua_pushlightuserdata(L, &mask);
	ret = host_pcall(host, 3, 0, "reload_policy");
	if (ret) {
		lua_pop(L, 1);
		host_unlock(host);
		return ret;
	}
	subscribe_layout_sets(host, mask);
	luaL_unref(L, LUA_REGISTRYINDEX, host->policy_ref);
	host->policy_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	host_unlock(host);
	return 0;
}
