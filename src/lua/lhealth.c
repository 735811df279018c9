/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lhealth.c -- what a health check asks of a source without mapping it:
 * src:device(), src:sds_state() and src:badblocks(), over the core's probes
 * (pmemset_ext.h), so the classification stays in the core.
 */

#include <limits.h>
#include <stdlib.h>

#include "lpmemset.h"

/* src:device() -> { id =, usc = } of the device now */
static int
source_device(lua_State *L)
{
	struct lsource *s = lp_checksource(L, 1);
	struct pmemset_sds now;
	int ret = pmemset_source_device_sds(s->src, &now);
	if (ret)
		return lp_fail(L, ret, "cannot read the device");
	lp_push_sds_table(L, &now);
	lua_pushnil(L);
	lua_setfield(L, -2, "refcount");
	return 1;
}

/* src:sds_state() -> the state name pmemset_map would classify in now */
static int
source_sds_state(lua_State *L)
{
	struct lsource *s = lp_checksource(L, 1);
	enum pmemset_part_state state;
	int ret = pmemset_source_sds_state(s->src, &state);
	if (ret)
		return lp_fail(L, ret, "cannot classify the source");
	const char *name = lp_state_name(state);
	if (name)
		lua_pushstring(L, name);
	else
		lua_pushnil(L);
	return 1;
}

/* the core's array is freed by __gc of this box even if building raises */
static int
bb_box_gc(lua_State *L)
{
	struct pmemset_badblock **box = lua_touserdata(L, 1);
	free(*box);
	*box = NULL;
	return 0;
}

static struct pmemset_badblock **
new_bb_box(lua_State *L)
{
	struct pmemset_badblock **box = lua_newuserdatauv(L, sizeof(*box), 0);
	*box = NULL;
	if (luaL_newmetatable(L, "pmemset.badblock_list")) {
		lua_pushcfunction(L, bb_box_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_setmetatable(L, -2);
	return box;
}

/* src:badblocks() -> { {offset =, length =}, ... } in offset order */
static int
source_badblocks(lua_State *L)
{
	struct lsource *s = lp_checksource(L, 1);
	struct pmemset_badblock **box = new_bb_box(L);
	size_t n;
	int ret = pmemset_source_badblocks(s->src, box, &n);
	if (ret)
		return lp_fail(L, ret, "cannot list the bad blocks");
	lua_createtable(L, (int)(n < INT_MAX ? n : INT_MAX), 0);
	for (size_t i = 0; i < n; i++) {
		lua_createtable(L, 0, 2);
		lua_pushinteger(L, (lua_Integer)(*box)[i].offset);
		lua_setfield(L, -2, "offset");
		lua_pushinteger(L, (lua_Integer)(*box)[i].length);
		lua_setfield(L, -2, "length");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	free(*box);
	*box = NULL;
	return 1;
}

static const luaL_Reg health_methods[] = {
	{ "device", source_device },
	{ "sds_state", source_sds_state },
	{ "badblocks", source_badblocks },
	{ NULL, NULL },
};

/* adds the probes to the methods of pmemset.source (after lp_open_source) */
void
lp_open_health(lua_State *L)
{
	luaL_getmetatable(L, LPMEMSET_SOURCE);
	lua_getfield(L, -1, "__index");
	luaL_setfuncs(L, health_methods, 0);
	lua_pop(L, 2);
}

/***
 * Health probes: what a map would find in a source, asked without mapping
 * it (pmemset.health builds its report from them).
 * @submodule pmemset
 */

/***
 * The source's device now: its id and unsafe-shutdown count.
 * @function source:device
 * @treturn table `{id =, usc =}`, or nil, message, code
 * (PMEMSET_E_SDS_NOSUPP where the device reports neither)
 */

/***
 * The state a map would classify the source in now (it needs an SDS,
 * source:set_sds); the saved record is not changed.
 * @function source:sds_state
 * @treturn string a state name, or nil, message, code
 */

/***
 * The source's bad blocks, in offset order; nothing is cleared.
 * @function source:badblocks
 * @treturn table `{ {offset =, length =}, ... }`, or nil, message, code
 */
