/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lpart.c -- the part object: a part map of a set, named by its start
 * address and serial and looked up again at every use, so that using a
 * part map that was removed raises an error instead of touching unmapped
 * memory or a later part at the same address. It holds
 * no reference to the core's part map between calls (a held reference
 * would make removal fail), so closing it releases nothing.
 *
 * Inside an event handler or state policy of the same set the set may be
 * locked by the core, so the lookup is skipped there (see check_live).
 */

#include <string.h>

#include "lpmemset.h"

struct lpart *
lp_checkpart(lua_State *L, int idx)
{
	return luaL_checkudata(L, idx, LPMEMSET_PART);
}

void
lp_push_part(lua_State *L, int setidx, const struct pmemset_part_descriptor *d,
	     uint64_t serial)
{
	setidx = lua_absindex(L, setidx);
	struct lset *s = lua_touserdata(L, setidx);
	struct lpart *p = lua_newuserdatauv(L, sizeof(*p), 1);
	p->addr = (uintptr_t)d->addr;
	p->size = d->size;
	p->serial = serial;
	p->gen = s->remove_gen;
	luaL_setmetatable(L, LPMEMSET_PART);
	lua_pushvalue(L, setidx);
	lua_setiuservalue(L, -2, 1);
}

/* a part resolved for one access; its set is pushed at setidx */
struct target {
	struct lpart *p;
	struct lset *s;
	int setidx;
};

/*
 * NULL when the part map this object was made for is still mapped (its
 * size refreshed), else why not. The part map at its address must be the
 * same one (serial), not a later part that took the address. Inside a
 * handler of the set the lookup would take the set's lock, which the core
 * may hold: there the object is trusted only if nothing was removed since
 * its last lookup, and never in a removal handler.
 */
static const char *
check_live(struct target *t)
{
	struct lset *s = t->s;
	if (s->set == NULL)
		return "the set of this part is closed";
	if (s->removing > 0)
		return "refused in a part_remove or remove_range handler of "
		       "its set (the part may be unmapped already)";
	if (s->depth > 0)
		return t->p->gen == s->remove_gen
			       ? NULL
			       : "parts were removed since this part was "
				 "last checked; it cannot be checked in a "
				 "handler of its set";
	struct pmemset_part_map *pmap;
	if (pmemset_part_map_by_address(s->set, &pmap, (void *)t->p->addr))
		return "the part is no longer mapped";
	struct pmemset_part_descriptor d = pmemset_descriptor_part_map(pmap);
	uint64_t serial = pmemset_part_map_serial(pmap);
	pmemset_part_map_drop(&pmap);
	if ((uintptr_t)d.addr != t->p->addr || serial != t->p->serial)
		return "the part is no longer mapped (another part took its "
		       "address)";
	t->p->size = d.size;
	t->p->gen = s->remove_gen;
	return NULL;
}

/* nargs: the method's arguments, kept below the pushed set */
static void
push_set(lua_State *L, struct target *t, int nargs)
{
	t->p = lp_checkpart(L, 1);
	lua_settop(L, nargs);
	lua_getiuservalue(L, 1, 1);
	t->setidx = lua_gettop(L);
	t->s = luaL_checkudata(L, t->setidx, LPMEMSET_SET);
}

static void
resolve(lua_State *L, struct target *t, const char *what, int nargs)
{
	push_set(L, t, nargs);
	if (t->s->set == NULL)
		luaL_error(L, "%s: the set of this part is closed", what);
	const char *why = check_live(t);
	if (why)
		luaL_error(L, "%s: part at %p: %s", what, (void *)t->p->addr,
			   why);
}

/* checks [offset, offset + len) lies in the part; returns its address */
static char *
checked_range(lua_State *L, struct target *t, size_t offset, size_t len,
	      const char *what)
{
	if (offset > t->p->size || len > t->p->size - offset)
		luaL_error(L,
			   "%s: range [%I, %I + %I) is outside the part "
			   "(size %I)",
			   what, (lua_Integer)offset, (lua_Integer)offset,
			   (lua_Integer)len, (lua_Integer)t->p->size);
	return (char *)t->p->addr + offset;
}

static int
part_write(lua_State *L)
{
	struct target t;
	resolve(L, &t, "part:write", 4);
	size_t offset = lp_checksize(L, 2, "part:write: offset");
	size_t len;
	const char *data = luaL_checklstring(L, 3, &len);
	unsigned flags = lp_checkmemflags(L, 4);
	char *dest = checked_range(L, &t, offset, len, "part:write");
	struct lset_call c;
	lset_enter(t.s, L, t.setidx, &c);
	pmemset_memcpy(t.s->set, dest, (void *)data, len, flags);
	lset_leave(t.s, &c);
	lua_pushboolean(L, 1);
	return 1;
}

static int
part_read(lua_State *L)
{
	struct target t;
	resolve(L, &t, "part:read", 3);
	size_t offset = lp_checksize(L, 2, "part:read: offset");
	size_t len = lp_checksize(L, 3, "part:read: len");
	const char *src = checked_range(L, &t, offset, len, "part:read");
	lua_pushlstring(L, src, len);
	return 1;
}

static int
part_fill(lua_State *L)
{
	struct target t;
	resolve(L, &t, "part:fill", 5);
	size_t offset = lp_checksize(L, 2, "part:fill: offset");
	lua_Integer byte = luaL_checkinteger(L, 3);
	luaL_argcheck(L, byte >= 0 && byte <= 255, 3, "byte out of range");
	size_t len = lp_checksize(L, 4, "part:fill: len");
	unsigned flags = lp_checkmemflags(L, 5);
	char *dest = checked_range(L, &t, offset, len, "part:fill");
	struct lset_call c;
	lset_enter(t.s, L, t.setidx, &c);
	pmemset_memset(t.s->set, dest, (int)byte, len, flags);
	lset_leave(t.s, &c);
	lua_pushboolean(L, 1);
	return 1;
}

/* part:move(dst, src, len [, flags]) -- offsets in the part; may overlap */
static int
part_move(lua_State *L)
{
	struct target t;
	resolve(L, &t, "part:move", 5);
	size_t dst = lp_checksize(L, 2, "part:move: dst");
	size_t src = lp_checksize(L, 3, "part:move: src");
	size_t len = lp_checksize(L, 4, "part:move: len");
	unsigned flags = lp_checkmemflags(L, 5);
	char *d = checked_range(L, &t, dst, len, "part:move");
	char *s = checked_range(L, &t, src, len, "part:move");
	struct lset_call c;
	lset_enter(t.s, L, t.setidx, &c);
	pmemset_memmove(t.s->set, d, s, len, flags);
	lset_leave(t.s, &c);
	lua_pushboolean(L, 1);
	return 1;
}

/* [offset [, len]] of persist, flush and deep_flush; default: all */
static char *
optional_range(lua_State *L, struct target *t, size_t *len, const char *what)
{
	size_t offset = lua_isnoneornil(L, 2) ? 0 : lp_checksize(L, 2, what);
	if (offset > t->p->size)
		offset = t->p->size + 1; /* let checked_range report it */
	*len = lua_isnoneornil(L, 3) ? t->p->size - offset
				     : lp_checksize(L, 3, what);
	return checked_range(L, t, offset, *len, what);
}

/*
 * part:persist and part:flush: op over the range with the set's handlers
 * running here (both ops always return 0)
 */
static int
flush_range(lua_State *L, const char *what,
	    int (*op)(struct pmemset *set, void *ptr, size_t size))
{
	struct target t;
	resolve(L, &t, what, 3);
	size_t len;
	char *addr = optional_range(L, &t, &len, what);
	struct lset_call c;
	lset_enter(t.s, L, t.setidx, &c);
	op(t.s->set, addr, len);
	lset_leave(t.s, &c);
	lua_pushboolean(L, 1);
	return 1;
}

static int
part_persist(lua_State *L)
{
	return flush_range(L, "part:persist", pmemset_persist);
}

static int
part_flush(lua_State *L)
{
	return flush_range(L, "part:flush", pmemset_flush);
}

static int
part_deep_flush(lua_State *L)
{
	struct target t;
	resolve(L, &t, "part:deep_flush", 3);
	lset_check_not_in_handler(L, t.s, "part:deep_flush");
	size_t len;
	char *addr = optional_range(L, &t, &len, "part:deep_flush");
	int ret = pmemset_deep_flush(t.s->set, addr, len);
	if (ret)
		return lp_fail(L, ret, "deep flush failed");
	lua_pushboolean(L, 1);
	return 1;
}

/* part:is_mapped() -- whether the part map is still in its set */
static int
part_is_mapped(lua_State *L)
{
	struct target t;
	push_set(L, &t, 1);
	lua_pushboolean(L, check_live(&t) == NULL);
	return 1;
}

static int
part_index(lua_State *L)
{
	struct target t;
	const char *k = luaL_checkstring(L, 2);
	if (lua_getfield(L, lua_upvalueindex(1), k) != LUA_TNIL)
		return 1;
	push_set(L, &t, 2);
	if (strcmp(k, "addr") == 0) {
		lua_pushinteger(L, (lua_Integer)t.p->addr);
	} else if (strcmp(k, "size") == 0) {
		check_live(&t); /* a removed part keeps its last size */
		lua_pushinteger(L, (lua_Integer)t.p->size);
	} else if (strcmp(k, "set") == 0) {
		lua_pushvalue(L, t.setidx);
	} else {
		lua_pushnil(L);
	}
	return 1;
}

static int
part_eq(lua_State *L)
{
	struct lpart *a = luaL_testudata(L, 1, LPMEMSET_PART);
	struct lpart *b = luaL_testudata(L, 2, LPMEMSET_PART);
	int eq = a && b && a->addr == b->addr && a->serial == b->serial;
	if (eq) {
		lua_getiuservalue(L, 1, 1);
		lua_getiuservalue(L, 2, 1);
		eq = lua_rawequal(L, -1, -2);
	}
	lua_pushboolean(L, eq);
	return 1;
}

static int
part_tostring(lua_State *L)
{
	struct lpart *p = lp_checkpart(L, 1);
	lua_pushfstring(L, "pmemset.part (%p, %I bytes)", (void *)p->addr,
			(lua_Integer)p->size);
	return 1;
}

/* a part owns nothing: closing it is a no-op kept for <close> symmetry */
static int
part_close(lua_State *L)
{
	lp_checkpart(L, 1);
	return 0;
}

static const luaL_Reg part_methods[] = {
	{ "write", part_write },
	{ "read", part_read },
	{ "fill", part_fill },
	{ "move", part_move },
	{ "persist", part_persist },
	{ "flush", part_flush },
	{ "deep_flush", part_deep_flush },
	{ "is_mapped", part_is_mapped },
	{ "close", part_close },
	{ NULL, NULL },
};

void
lp_open_part(lua_State *L)
{
	luaL_newmetatable(L, LPMEMSET_PART);
	luaL_newlib(L, part_methods);
	lua_pushcclosure(L, part_index, 1);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, part_eq);
	lua_setfield(L, -2, "__eq");
	lua_pushcfunction(L, part_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pushcfunction(L, part_close);
	lua_setfield(L, -2, "__close");
	lua_pushcfunction(L, part_close);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
}

/***
 * Parts: a part map of a set, looked up by its address at every use (a
 * removed one raises "no longer mapped"; bounds are checked against the
 * part map). Flags are nil, a name, a list of names (pmemset.flags) or the
 * integer bits.
 * @submodule pmemset
 */

/***
 * A part map.
 * @type part
 */

/***
 * Its start address, size and set.
 * @field addr
 * @field size
 * @field set
 */

/***
 * Writes data at an offset.
 * @function part:write
 * @tparam integer offset
 * @tparam string data
 * @param[opt] flags
 */

/***
 * Reads bytes at an offset.
 * @function part:read
 * @tparam integer offset
 * @tparam integer len
 * @treturn string
 */

/***
 * Fills a range with a byte.
 * @function part:fill
 * @tparam integer offset
 * @tparam integer byte
 * @tparam integer len
 * @param[opt] flags
 */

/***
 * Moves bytes within the part (ranges may overlap).
 * @function part:move
 * @tparam integer dst
 * @tparam integer src
 * @tparam integer len
 * @param[opt] flags
 */

/***
 * Makes a range (default: the whole part) persistent.
 * @function part:persist
 * @tparam[opt] integer offset
 * @tparam[opt] integer len
 */

/***
 * Flushes a range (default: the whole part).
 * @function part:flush
 * @tparam[opt] integer offset
 * @tparam[opt] integer len
 */

/***
 * Flushes a range to the persistence domain of the device.
 * @function part:deep_flush
 * @tparam[opt] integer offset
 * @tparam[opt] integer len
 * @treturn boolean true, or nil, message, code
 */

/***
 * Is the part map still mapped?
 * @function part:is_mapped
 * @treturn boolean
 */

/***
 * A no-op kept for `<close>` (a part owns nothing; set:remove unmaps it).
 * @function part:close
 */
