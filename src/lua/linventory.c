/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * linventory.c -- pmemset.inventory(): the machine's persistent memory
 * (include/pmemset_inventory.h) as plain tables. Cross references (a DIMM's
 * bus, a namespace's region) become 1-based indexes into the other lists;
 * unknown values (PMEMSET_INVENTORY_NONE) are left out (nil).
 */

#include <pmemset_inventory.h>

#include "lpmemset.h"

static void
set_string(lua_State *L, const char *key, const char *v)
{
	if (v) {
		lua_pushstring(L, v);
		lua_setfield(L, -2, key);
	}
}

static void
set_number(lua_State *L, const char *key, uint64_t v)
{
	if (v != PMEMSET_INVENTORY_NONE) {
		lua_pushinteger(L, (lua_Integer)v);
		lua_setfield(L, -2, key);
	}
}

static void
set_index(lua_State *L, const char *key, uint64_t v)
{
	if (v != PMEMSET_INVENTORY_NONE)
		set_number(L, key, v + 1);
}

static void
push_buses(lua_State *L, const struct pmemset_inventory *inv)
{
	size_t n = pmemset_inventory_bus_count(inv);
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		struct pmemset_inventory_bus b;
		if (pmemset_inventory_bus(inv, i, &b))
			break;
		lua_createtable(L, 0, 2);
		set_string(L, "name", b.name);
		set_string(L, "provider", b.provider);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

static void
push_dimms(lua_State *L, const struct pmemset_inventory *inv)
{
	size_t n = pmemset_inventory_dimm_count(inv);
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		struct pmemset_inventory_dimm d;
		if (pmemset_inventory_dimm(inv, i, &d))
			break;
		lua_createtable(L, 0, 7);
		set_string(L, "name", d.name);
		set_string(L, "id", d.id);
		set_index(L, "bus", d.bus);
		set_string(L, "health",
			   pmemset_inventory_health_name(d.health));
		set_number(L, "usc", d.usc);
		lua_pushboolean(L, d.emulated);
		lua_setfield(L, -2, "emulated");
		set_string(L, "path", d.path);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

static void
push_regions(lua_State *L, const struct pmemset_inventory *inv)
{
	size_t n = pmemset_inventory_region_count(inv);
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		struct pmemset_inventory_region r;
		if (pmemset_inventory_region(inv, i, &r))
			break;
		lua_createtable(L, 0, 5);
		set_string(L, "name", r.name);
		set_string(L, "type", r.type);
		set_index(L, "bus", r.bus);
		set_number(L, "size", r.size);
		set_number(L, "available", r.available);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

static void
push_namespaces(lua_State *L, const struct pmemset_inventory *inv)
{
	size_t n = pmemset_inventory_namespace_count(inv);
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		struct pmemset_inventory_namespace ns;
		if (pmemset_inventory_namespace(inv, i, &ns))
			break;
		lua_createtable(L, 0, 5);
		set_string(L, "name", ns.name);
		set_string(L, "mode", ns.mode);
		set_string(L, "device", ns.device);
		set_index(L, "region", ns.region);
		set_number(L, "size", ns.size);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

/* the snapshot lives in a box whose __gc frees it even if pushing raises */
static int
box_gc(lua_State *L)
{
	struct pmemset_inventory **box = lua_touserdata(L, 1);
	pmemset_inventory_delete(box);
	return 0;
}

/***
 * The machine's persistent memory.
 * @submodule pmemset
 */

/***
 * The machine's persistent memory as plain tables; cross references
 * (a DIMM's bus, a namespace's region) are 1-based indexes into the other
 * lists, unknown values are nil.
 * @function inventory
 * @treturn table `{ buses =, dimms =, regions =, namespaces = }`, or nil,
 * message, code
 */
static int
inventory(lua_State *L)
{
	struct pmemset_inventory **box = lua_newuserdatauv(L, sizeof(*box), 0);
	*box = NULL;
	if (luaL_newmetatable(L, "pmemset.inventory_box")) {
		lua_pushcfunction(L, box_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_setmetatable(L, -2);
	int ret = pmemset_inventory_new(box);
	if (ret)
		return lp_fail(L, ret, "cannot read the inventory");
	lua_createtable(L, 0, 4);
	push_buses(L, *box);
	lua_setfield(L, -2, "buses");
	push_dimms(L, *box);
	lua_setfield(L, -2, "dimms");
	push_regions(L, *box);
	lua_setfield(L, -2, "regions");
	push_namespaces(L, *box);
	lua_setfield(L, -2, "namespaces");
	pmemset_inventory_delete(box);
	return 1;
}

/* adds inventory to the module table on the top */
void
lp_open_inventory(lua_State *L)
{
	lua_pushcfunction(L, inventory);
	lua_setfield(L, -2, "inventory");
}
