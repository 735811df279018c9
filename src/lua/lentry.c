/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lentry.c -- the entries into Lua the module makes by itself: a handler
 * or state policy run from a core callback. An embedding host registers
 * hooks here (its limits: instruction budget, deadline), so that a
 * handler fired by the application's own C call is bounded like one fired
 * by a script. A set reads the hooks once, when it is made (struct lset's
 * entry).
 */

#include "lpmemset.h"

/* its address is the registry key of the hooks (no allocation) */
static const char entry_key;

void
lp_entry_register(lua_State *L, const struct lp_entry_hooks *hooks)
{
	lua_pushlightuserdata(L, (void *)hooks);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &entry_key);
}

const struct lp_entry_hooks *
lp_entry_hooks(lua_State *L)
{
	lua_rawgetp(L, LUA_REGISTRYINDEX, &entry_key);
	const struct lp_entry_hooks *h = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return h;
}
