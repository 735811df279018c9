/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lemu.c -- pmemset.emu: control of the emulated devices
 * (include/pmemset_emu.h). Failures return nil, message, code name.
 */

#include <limits.h>

#include <pmemset_emu.h>

#include "lpmemset.h"

static int
ok_or_fail(lua_State *L, int ret, const char *what)
{
	if (ret)
		return lp_fail(L, ret, what);
	lua_pushboolean(L, 1);
	return 1;
}

static uint64_t
checkusc(lua_State *L, int idx)
{
	lua_Integer v = luaL_checkinteger(L, idx);
	luaL_argcheck(L, v >= 0, idx, "usc must not be negative");
	return (uint64_t)v;
}

/***
 * Emulated devices (include/pmemset_emu.h): regular files that report an
 * unsafe-shutdown count and bad blocks. Failures return nil, message, code.
 * @module pmemset.emu
 */

/***
 * Selects the description file of the emulated devices (nil: none).
 * @function select
 * @tparam string|nil path
 * @treturn boolean true, or nil, message, code
 */
static int
emu_select(lua_State *L)
{
	const char *path = luaL_optstring(L, 1, NULL);
	if (path) /* the description and its device files are created */
		lp_check_path(L, "pmemset.emu.select", path, LP_CONFINE_CREATE);
	return ok_or_fail(L, pmemset_emu_select(path),
			  "cannot select the emulated devices");
}

/***
 * The description file in use.
 * @function selected
 * @treturn string|nil its path
 */
static int
emu_selected(lua_State *L)
{
	char buf[PATH_MAX + 1];
	if (pmemset_emu_selected(buf, sizeof(buf)))
		lua_pushnil(L);
	else
		lua_pushstring(L, buf);
	return 1;
}

/***
 * Adds a device holding the files below path.
 * @function device_add
 * @tparam string id the device id
 * @tparam integer usc its unsafe-shutdown count
 * @tparam string path a directory
 * @treturn boolean true, or nil, message, code
 */
static int
emu_device_add(lua_State *L)
{
	const char *id = luaL_checkstring(L, 1);
	uint64_t usc = checkusc(L, 2);
	const char *path = luaL_checkstring(L, 3);
	return ok_or_fail(L, pmemset_emu_device_add(id, usc, path),
			  "cannot add the device");
}

/***
 * Removes a device.
 * @function device_remove
 * @tparam string id
 * @treturn boolean true, or nil, message, code
 */
static int
emu_device_remove(lua_State *L)
{
	const char *id = luaL_checkstring(L, 1);
	return ok_or_fail(L, pmemset_emu_device_remove(id),
			  "cannot remove the device");
}

/***
 * Sets a device's unsafe-shutdown count.
 * @function set_usc
 * @tparam string id
 * @tparam integer usc
 * @treturn boolean true, or nil, message, code
 */
static int
emu_set_usc(lua_State *L)
{
	const char *id = luaL_checkstring(L, 1);
	uint64_t usc = checkusc(L, 2);
	return ok_or_fail(L, pmemset_emu_device_set_usc(id, usc),
			  "cannot set the unsafe-shutdown count");
}

/***
 * Simulates an unsafe shutdown of a device.
 * @function unsafe_shutdown
 * @tparam string id
 * @treturn integer the new unsafe-shutdown count, or nil, message, code
 */
static int
emu_unsafe_shutdown(lua_State *L)
{
	const char *id = luaL_checkstring(L, 1);
	uint64_t usc;
	int ret = pmemset_emu_unsafe_shutdown(id, &usc);
	if (ret)
		return lp_fail(L, ret, "cannot simulate an unsafe shutdown");
	lua_pushinteger(L, (lua_Integer)usc);
	return 1;
}

/***
 * Adds a bad block to a file of an emulated device.
 * @function badblock_add
 * @tparam string file
 * @tparam integer|string offset a size
 * @tparam integer|string length a size
 * @treturn boolean true, or nil, message, code
 */
static int
emu_badblock_add(lua_State *L)
{
	const char *file = luaL_checkstring(L, 1);
	size_t offset = lp_checksize(L, 2, "emu.badblock_add: offset");
	size_t length = lp_checksize(L, 3, "emu.badblock_add: length");
	return ok_or_fail(L, pmemset_emu_badblock_add(file, offset, length),
			  "cannot add the bad block");
}

/***
 * Removes the bad blocks of a file in a range.
 * @function badblock_remove
 * @tparam string file
 * @tparam integer|string offset a size
 * @tparam integer|string length a size
 * @treturn boolean true, or nil, message, code
 */
static int
emu_badblock_remove(lua_State *L)
{
	const char *file = luaL_checkstring(L, 1);
	size_t offset = lp_checksize(L, 2, "emu.badblock_remove: offset");
	size_t length = lp_checksize(L, 3, "emu.badblock_remove: length");
	return ok_or_fail(L, pmemset_emu_badblock_remove(file, offset, length),
			  "cannot remove the bad blocks");
}

/* pushes { devices = {...}, badblocks = {...} } of state (and frees it) */
static void
push_state(lua_State *L, struct pmemset_emu_state *state)
{
	size_t nd = pmemset_emu_state_device_count(state);
	size_t nb = pmemset_emu_state_badblock_count(state);
	/* collect into Lua only after we know sizes; strings are copied */
	lua_createtable(L, 0, 2);
	lua_createtable(L, (int)nd, 0);
	for (size_t i = 0; i < nd; i++) {
		struct pmemset_emu_device d;
		if (pmemset_emu_state_device(state, i, &d))
			break;
		lua_createtable(L, 0, 3);
		lua_pushstring(L, d.id);
		lua_setfield(L, -2, "id");
		lua_pushinteger(L, (lua_Integer)d.usc);
		lua_setfield(L, -2, "usc");
		lua_pushstring(L, d.path);
		lua_setfield(L, -2, "path");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, -2, "devices");
	lua_createtable(L, (int)nb, 0);
	for (size_t i = 0; i < nb; i++) {
		struct pmemset_emu_badblock b;
		if (pmemset_emu_state_badblock(state, i, &b))
			break;
		lua_createtable(L, 0, 3);
		lua_pushstring(L, b.path);
		lua_setfield(L, -2, "path");
		lua_pushinteger(L, (lua_Integer)b.offset);
		lua_setfield(L, -2, "offset");
		lua_pushinteger(L, (lua_Integer)b.length);
		lua_setfield(L, -2, "length");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, -2, "badblocks");
}

/* the state is freed by __gc of this box even if pushing raises */
static int
state_box_gc(lua_State *L)
{
	struct pmemset_emu_state **box = lua_touserdata(L, 1);
	pmemset_emu_state_delete(box);
	return 0;
}

static struct pmemset_emu_state **
new_state_box(lua_State *L)
{
	struct pmemset_emu_state **box = lua_newuserdatauv(L, sizeof(*box), 0);
	*box = NULL;
	if (luaL_newmetatable(L, "pmemset.emu_state")) {
		lua_pushcfunction(L, state_box_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_setmetatable(L, -2);
	return box;
}

/***
 * The selected description, or text parsed and validated.
 * @function state
 * @tparam[opt] string text a description
 * @treturn table `{ devices = { {id =, usc =, path =}... }, badblocks =
 * { {path =, offset =, length =}... } }`, or nil, message, code
 */
static int
emu_state(lua_State *L)
{
	size_t len = 0;
	const char *text = luaL_optlstring(L, 1, NULL, &len);
	struct pmemset_emu_state **box = new_state_box(L);
	int ret = text ? pmemset_emu_state_parse(box, text, len)
		       : pmemset_emu_state_read(box);
	if (ret)
		return lp_fail(L, ret,
			       text ? "invalid description"
				    : "cannot read the description");
	push_state(L, *box);
	pmemset_emu_state_delete(box);
	return 1;
}

static const luaL_Reg emu_funcs[] = {
	{ "select", emu_select },
	{ "selected", emu_selected },
	{ "device_add", emu_device_add },
	{ "device_remove", emu_device_remove },
	{ "set_usc", emu_set_usc },
	{ "unsafe_shutdown", emu_unsafe_shutdown },
	{ "badblock_add", emu_badblock_add },
	{ "badblock_remove", emu_badblock_remove },
	{ "state", emu_state },
	{ NULL, NULL },
};

/* adds emu to the module table on the top */
void
lp_open_emu(lua_State *L)
{
	luaL_newlib(L, emu_funcs);
	lua_setfield(L, -2, "emu");
}
