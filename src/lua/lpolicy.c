/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lpolicy.c -- acceptable part states: a list of state names (a mask) or a
 * Lua function policy(state, info) -> accept [, why]. The one state-policy
 * bridge of pmemset: sets made by pmemset.new and bindings of the
 * embeddable host (lp_attach) both go through lp_state_policy.
 */

#include <stdio.h>
#include <string.h>

#include "lpmemset.h"

uint64_t
lp_checkstates(lua_State *L, int idx, const char *what)
{
	uint64_t mask = 0;
	idx = lua_absindex(L, idx);
	luaL_checktype(L, idx, LUA_TTABLE);
	for (lua_Integer i = 1; lua_rawgeti(L, idx, i) != LUA_TNIL; i++) {
		int s = lp_checkname(L, -1, what, lp_state_names);
		mask |= 1ULL << s;
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return mask;
}

void
lp_push_state_info(lua_State *L, const struct pmemset_state_info *info)
{
	lua_createtable(L, 0, 6);
	if (info->path) {
		lua_pushstring(L, info->path);
		lua_setfield(L, -2, "path");
	}
	if (info->device_id) {
		lua_pushstring(L, info->device_id);
		lua_setfield(L, -2, "device_id");
	}
	lua_pushinteger(L, (lua_Integer)info->usc);
	lua_setfield(L, -2, "usc");
	lua_pushinteger(L, info->use_count);
	lua_setfield(L, -2, "use_count");
	if (info->stored) {
		lp_push_sds_table(L, info->stored);
		lua_setfield(L, -2, "stored");
	}
	const char *state = lp_state_name(info->state);
	lua_pushstring(L, state ? state : "unknown");
	lua_setfield(L, -2, "state");
}

/*
 * Runs in protected mode: 1 = set userdata, 2 = info (light userdata).
 * Returns accept (boolean) and why (string or nil).
 */
static int
call_policy(lua_State *L)
{
	const struct pmemset_state_info *info = lua_touserdata(L, 2);
	lua_getiuservalue(L, 1, LSET_UV_POLICY);
	const char *state = lp_state_name(info->state);
	lua_pushstring(L, state ? state : "unknown");
	lp_push_state_info(L, info);
	lua_call(L, 2, 2);
	lua_pushboolean(L, lua_toboolean(L, -2));
	if (lua_type(L, -2) == LUA_TSTRING || lua_type(L, -2) == LUA_TNUMBER)
		lua_pushstring(L, lua_tostring(L, -2));
	else
		lua_pushnil(L);
	return 2;
}

static int
state_policy(struct lset *s, const struct pmemset_state_info *info, char *why,
	     size_t why_len)
{
	if (s->observer && s->observer->state)
		s->observer->state(info, s->observer->arg);
	if (s->has_state_list) {
		if (s->state_list & (uint64_t)info->state)
			return 0;
		const char *name = lp_state_name(info->state);
		snprintf(why, why_len, "state %s is not in acceptable_states",
			 name ? name : "unknown");
		return 1;
	}
	lua_State *L = s->L ? s->L : s->main;
	if (!lua_checkstack(L, 8)) {
		snprintf(why, why_len, "Lua stack overflow");
		return 1;
	}
	int top = lua_gettop(L);
	lua_pushcfunction(L, call_policy);
	lp_push_set(L, s);
	lua_pushlightuserdata(L, (void *)info);

	s->depth++;
	lp_entry_begin(s->entry, L);
	int status = lp_entry_end(s->entry, L, lua_pcall(L, 2, 2, 0));
	s->depth--;

	int refuse;
	if (status != LUA_OK) {
		/* no conversion here: it could raise outside a pcall */
		const char *msg = lua_type(L, -1) == LUA_TSTRING
					  ? lua_tostring(L, -1)
					  : NULL;
		snprintf(why, why_len, "policy error: %s",
			 msg ? msg : "(not a string)");
		refuse = 1;
	} else {
		refuse = !lua_toboolean(L, -2);
		const char *msg = lua_type(L, -1) == LUA_TSTRING
					  ? lua_tostring(L, -1)
					  : NULL;
		if (refuse && msg)
			snprintf(why, why_len, "%s", msg);
	}
	lua_settop(L, top);
	return refuse;
}

int
lp_state_policy(const struct pmemset_state_info *info, char *why,
		size_t why_len, void *arg)
{
	struct lset *s = arg;
	lp_binding_enter(s);
	int refuse = state_policy(s, info, why, why_len);
	lp_binding_leave(s);
	return refuse;
}
