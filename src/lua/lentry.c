/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lentry.c -- the entries into Lua the module makes by itself: a handler
 * or state policy run from a core callback. An embedding host registers
 * hooks here (its limits: instruction budget, deadline), so that a
 * handler fired by the application's own C call is bounded like one fired
 * by a script. Without a registered hook entries cost one registry read.
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

static const struct lp_entry_hooks *
registered(lua_State *L)
{
	lua_rawgetp(L, LUA_REGISTRYINDEX, &entry_key);
	const struct lp_entry_hooks *h = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return h;
}

void
lp_entry_begin(lua_State *L)
{
	const struct lp_entry_hooks *h = registered(L);
	if (h)
		h->begin(h->arg, L);
}

int
lp_entry_end(lua_State *L, int status)
{
	const struct lp_entry_hooks *h = registered(L);
	return h ? h->end(h->arg, L, status) : status;
}
