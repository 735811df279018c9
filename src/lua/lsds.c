/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lsds.c -- shutdown-data-state records as plain Lua tables
 * ({ id = string, usc = integer, refcount = integer }), part-state names
 * and bad-block clearing.
 */

#include <string.h>

#include "lpmemset.h"

/* index i names the state 1 << i */
const char *const lp_state_names[] = {
	"indeterminate",      "ok",	   "ok_but_already_open",
	"ok_but_interrupted", "corrupted", NULL,
};

const char *
lp_state_name(enum pmemset_part_state state)
{
	for (int i = 0; lp_state_names[i]; i++)
		if ((unsigned)state == 1U << i)
			return lp_state_names[i];
	return NULL;
}

void
lp_push_sds_table(lua_State *L, const struct pmemset_sds *sds)
{
	lua_createtable(L, 0, 3);
	lua_pushlstring(L, sds->id, strnlen(sds->id, sizeof(sds->id)));
	lua_setfield(L, -2, "id");
	lua_pushinteger(L, (lua_Integer)sds->usc);
	lua_setfield(L, -2, "usc");
	lua_pushinteger(L, sds->refcount);
	lua_setfield(L, -2, "refcount");
}

static const char *const sds_keys[] = { "id", "usc", "refcount", NULL };

static lua_Integer
sds_integer(lua_State *L, int idx, const char *key, lua_Integer max)
{
	int isint = 1;
	lua_Integer v = 0;
	if (lua_getfield(L, idx, key) != LUA_TNIL)
		v = lua_tointegerx(L, -1, &isint);
	if (!isint || v < 0 || v > max)
		luaL_error(L, "sds.%s: expected a non-negative integer, got %s",
			   key, luaL_tolstring(L, -1, NULL));
	lua_pop(L, 1);
	return v;
}

void
lp_checksds(lua_State *L, int idx, struct pmemset_sds *sds)
{
	idx = lua_absindex(L, idx);
	luaL_checktype(L, idx, LUA_TTABLE);
	lp_checkopts(L, idx, "sds", sds_keys);
	memset(sds, 0, sizeof(*sds));

	size_t len = 0;
	int t = lua_getfield(L, idx, "id");
	if (t != LUA_TNIL && t != LUA_TSTRING)
		luaL_error(L, "sds.id: expected a string, got %s",
			   luaL_typename(L, -1));
	const char *id = t == LUA_TNIL ? "" : lua_tolstring(L, -1, &len);
	if (len > PMEMSET_SDS_DEVICE_ID_LEN)
		luaL_error(L, "sds.id: longer than %d bytes",
			   (int)PMEMSET_SDS_DEVICE_ID_LEN);
	memcpy(sds->id, id, len);
	lua_pop(L, 1);

	sds->usc = (uint64_t)sds_integer(L, idx, "usc", LUA_MAXINTEGER);
	sds->refcount = (int)sds_integer(L, idx, "refcount", INT32_MAX);
}

/***
 * Shutdown-data records and bad blocks.
 * @submodule pmemset
 */

/***
 * A fresh (all-zero) SDS record, or a validated copy of a saved one.
 * @function sds
 * @tparam[opt] table t `{ id =, usc =, refcount = }`
 * @treturn table the record
 */
static int
sds_new(lua_State *L)
{
	struct pmemset_sds sds = PMEMSET_SDS_INITIALIZE();
	if (!lua_isnoneornil(L, 1))
		lp_checksds(L, 1, &sds);
	lp_push_sds_table(L, &sds);
	return 1;
}

static size_t
bb_field(lua_State *L, int idx, const char *key)
{
	lua_getfield(L, idx, key);
	const char *what = lua_pushfstring(L, "bb.%s", key);
	size_t v = lp_checksize(L, -2, what);
	lua_pop(L, 2);
	return v;
}

/***
 * Clears a bad block of a source (its data reads back as zeros).
 * @function badblock_clear
 * @tparam table|event bb anything with `offset` and `length`, such as the
 * event of a badblock handler
 * @tparam source src the source
 * @treturn boolean true, or nil, message, code
 */
int
lp_badblock_clear(lua_State *L)
{
	if (!lua_istable(L, 1) && !lua_isuserdata(L, 1))
		luaL_typeerror(L, 1, "bad block");
	struct lsource *s = lp_checksource(L, 2);
	struct pmemset_badblock bb;
	bb.offset = bb_field(L, 1, "offset");
	bb.length = bb_field(L, 1, "length");
	int ret = pmemset_badblock_clear(&bb, s->src);
	if (ret)
		return lp_fail(L, ret, "cannot clear the bad block");
	lua_pushboolean(L, 1);
	return 1;
}

/* adds sds, badblock_clear and states to the module table on the top */
void
lp_open_sds(lua_State *L)
{
	lua_pushcfunction(L, sds_new);
	lua_setfield(L, -2, "sds");
	lua_pushcfunction(L, lp_badblock_clear);
	lua_setfield(L, -2, "badblock_clear");
	lua_newtable(L);
	for (int i = 0; lp_state_names[i]; i++) {
		lua_pushinteger(L, 1 << i);
		lua_setfield(L, -2, lp_state_names[i]);
	}
	lua_setfield(L, -2, "states");
}
