/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lutil.c -- helpers shared by the binding: failure triples, error names,
 * sizes, option tables, memory flags and the object registry.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libpmem2.h>

#include "lpmemset.h"

struct errname {
	const char *name;
	int code;
};

#define E(x)                                                                   \
	{                                                                      \
#x, x                                                          \
	}
static const struct errname errnames[] = {
	E(PMEMSET_E_UNKNOWN),
	E(PMEMSET_E_NOSUPP),
	E(PMEMSET_E_INVALID_PMEM2_SOURCE),
	E(PMEMSET_E_INVALID_SOURCE_PATH),
	E(PMEMSET_E_INVALID_SOURCE_TYPE),
	E(PMEMSET_E_CANNOT_ALLOCATE_INTERNAL_STRUCTURE),
	E(PMEMSET_E_INVALID_OFFSET_VALUE),
	E(PMEMSET_E_GRANULARITY_NOT_SUPPORTED),
	E(PMEMSET_E_INVALID_PMEM2_MAP),
	E(PMEMSET_E_PART_EXISTS),
	E(PMEMSET_E_GRANULARITY_NOT_SET),
	E(PMEMSET_E_GRANULARITY_MISMATCH),
	E(PMEMSET_E_NO_PART_MAPPED),
	E(PMEMSET_E_CANNOT_FIND_PART_MAP),
	E(PMEMSET_E_CANNOT_COALESCE_PARTS),
	E(PMEMSET_E_LENGTH_UNALIGNED),
	E(PMEMSET_E_PART_NOT_FOUND),
	E(PMEMSET_E_INVALID_COALESCING_VALUE),
	E(PMEMSET_E_DEEP_FLUSH_FAIL),
	E(PMEMSET_E_INVALID_SOURCE_FILE_CREATE_FLAGS),
	E(PMEMSET_E_CANNOT_CREATE_TEMP_FILE),
	E(PMEMSET_E_CANNOT_GROW_SOURCE_FILE),
	E(PMEMSET_E_PART_MAP_POSSIBLE_USE_AFTER_DROP),
	E(PMEMSET_E_CANNOT_FIT_PART_MAP),
	E(PMEMSET_E_OFFSET_OUT_OF_RANGE),
	E(PMEMSET_E_INVALID_PART_STATES),
	E(PMEMSET_E_UNDESIRABLE_PART_STATE),
	E(PMEMSET_E_SDS_ALREADY_SET),
	E(PMEMSET_E_SDS_NOSUPP),
	E(PMEMSET_E_SDS_DEVICE_ID_LEN_TOO_BIG),
	E(PMEMSET_E_MAP_LENGTH_UNSET),
	E(PMEMSET_E_SOURCE_FILE_IS_TOO_SMALL),
	E(PMEMSET_E_IO_FAIL),
	E(PMEMSET_E_LENGTH_OUT_OF_RANGE),
	E(PMEMSET_E_INVALID_ALIGNMENT_VALUE),
	E(PMEMSET_E_DAX_REGION_NOT_FOUND),
	E(PMEMSET_E_CANNOT_READ_BOUNDS),
	E(PMEMSET_E_BADBLOCK_NOSUPP),
	/* libpmem2 codes the core passes through */
	E(PMEM2_E_UNKNOWN),
	E(PMEM2_E_NOSUPP),
	E(PMEM2_E_FILE_HANDLE_NOT_SET),
	E(PMEM2_E_INVALID_FILE_HANDLE),
	E(PMEM2_E_INVALID_FILE_TYPE),
	E(PMEM2_E_MAP_RANGE),
	E(PMEM2_E_MAPPING_EXISTS),
	E(PMEM2_E_GRANULARITY_NOT_SET),
	E(PMEM2_E_GRANULARITY_NOT_SUPPORTED),
	E(PMEM2_E_OFFSET_OUT_OF_RANGE),
	E(PMEM2_E_OFFSET_UNALIGNED),
	E(PMEM2_E_INVALID_ALIGNMENT_FORMAT),
	E(PMEM2_E_INVALID_ALIGNMENT_VALUE),
	E(PMEM2_E_INVALID_SIZE_FORMAT),
	E(PMEM2_E_LENGTH_UNALIGNED),
	E(PMEM2_E_MAPPING_NOT_FOUND),
	E(PMEM2_E_BUFFER_TOO_SMALL),
	E(PMEM2_E_SOURCE_EMPTY),
	E(PMEM2_E_INVALID_SHARING_VALUE),
	E(PMEM2_E_SRC_DEVDAX_PRIVATE),
	E(PMEM2_E_INVALID_ADDRESS_REQUEST_TYPE),
	E(PMEM2_E_ADDRESS_UNALIGNED),
	E(PMEM2_E_ADDRESS_NULL),
	E(PMEM2_E_DEEP_FLUSH_RANGE),
	E(PMEM2_E_INVALID_REGION_FORMAT),
	E(PMEM2_E_DAX_REGION_NOT_FOUND),
	E(PMEM2_E_INVALID_DEV_FORMAT),
	E(PMEM2_E_CANNOT_READ_BOUNDS),
	E(PMEM2_E_NO_BAD_BLOCK_FOUND),
	E(PMEM2_E_LENGTH_OUT_OF_RANGE),
	E(PMEM2_E_INVALID_PROT_FLAG),
	E(PMEM2_E_NO_ACCESS),
	E(PMEM2_E_VM_RESERVATION_NOT_EMPTY),
	E(PMEM2_E_MAP_EXISTS),
	E(PMEM2_E_FILE_DESCRIPTOR_NOT_SET),
	E(PMEM2_E_SOURCE_TYPE_NOT_SUPPORTED),
	E(PMEM2_E_IO_FAIL),
};
#undef E

#define NERRNAMES (sizeof(errnames) / sizeof(errnames[0]))

void
lp_push_errname(lua_State *L, int code)
{
	for (size_t i = 0; i < NERRNAMES; i++) {
		if (errnames[i].code == code) {
			lua_pushstring(L, errnames[i].name);
			return;
		}
	}
	/* negated errno values, the only other codes the core returns */
	const char *name = code < 0 ? strerrorname_np(-code) : NULL;
	if (name)
		lua_pushstring(L, name);
	else
		lua_pushfstring(L, "E%d", code);
}

int
lp_errcode(const char *name)
{
	for (size_t i = 0; name && i < NERRNAMES; i++)
		if (strcmp(errnames[i].name, name) == 0)
			return errnames[i].code;
	for (int e = 1; name && e < 4096; e++) {
		const char *n = strerrorname_np(e);
		if (n && strcmp(n, name) == 0)
			return -e;
	}
	return -EINVAL;
}

void
lp_push_errors(lua_State *L)
{
	lua_createtable(L, 0, (int)NERRNAMES);
	for (size_t i = 0; i < NERRNAMES; i++) {
		lua_pushinteger(L, errnames[i].code);
		lua_setfield(L, -2, errnames[i].name);
	}
}

int
lp_fail(lua_State *L, int code, const char *what)
{
	const char *msg = pmemset_errormsg();
	lua_pushnil(L);
	if (msg && msg[0])
		lua_pushfstring(L, "%s: %s", what, msg);
	else
		lua_pushstring(L, what);
	lp_push_errname(L, code);
	return 3;
}

/* the shift of a unit letter K M G T P, 0 if it is not one */
static unsigned
unit_shift(char c)
{
	static const char units[] = "KMGTP";
	const char *u = c ? strchr(units, c) : NULL;
	return u ? 10U * (unsigned)(u - units + 1) : 0;
}

const char *
lp_parse_size(const char *s, size_t *size)
{
	const char *p = s;
	size_t v = 0;
	if (!isdigit((unsigned char)*p))
		return "a size is digits with an optional unit";
	for (; isdigit((unsigned char)*p); p++) {
		size_t d = (size_t)(*p - '0');
		if (v > (SIZE_MAX - d) / 10)
			return "the size overflows";
		v = v * 10 + d;
	}
	unsigned shift = 0;
	if (*p) {
		shift = unit_shift(*p++);
		if (!shift)
			return "unknown unit (use K, M, G, T, P or KiB, MiB, "
			       "GiB, TiB, PiB)";
		if (p[0] == 'i' && p[1] == 'B')
			p += 2;
		if (*p)
			return "unexpected characters after the unit";
	}
	if (v > (SIZE_MAX >> shift))
		return "the size overflows";
	*size = v << shift;
	return NULL;
}

/*
 * lp_tosize -- the size at idx (a non-negative integer or a string of
 * lp_parse_size's grammar); 0 on success, else pushes the message
 * (quoting the text) and returns -1
 */
int
lp_tosize(lua_State *L, int idx, size_t *size)
{
	int isint;
	switch (lua_type(L, idx)) {
	case LUA_TNUMBER: {
		lua_Integer v = lua_tointegerx(L, idx, &isint);
		if (isint && v >= 0) {
			*size = (size_t)v;
			return 0;
		}
		lua_pushfstring(L,
				"expected a size, got %s (not a "
				"non-negative integer)",
				lua_tostring(L, idx));
		return -1;
	}
	case LUA_TSTRING: {
		const char *s = lua_tostring(L, idx);
		const char *why = lp_parse_size(s, size);
		if (!why && *size > (size_t)LUA_MAXINTEGER)
			why = "the size overflows";
		if (!why)
			return 0;
		lua_pushfstring(L, "expected a size, got \"%s\" (%s)", s, why);
		return -1;
	}
	default:
		lua_pushfstring(L, "expected a size, got %s",
				luaL_typename(L, idx));
		return -1;
	}
}

size_t
lp_checksize(lua_State *L, int idx, const char *what)
{
	size_t size;
	if (lp_tosize(L, idx, &size))
		return (size_t)luaL_error(L, "%s: %s", what,
					  lua_tostring(L, -1));
	return size;
}

int
lp_opterror(lua_State *L, const char *fname, const char *key, const char *msg)
{
	return luaL_error(L, "%s: option '%s': %s", fname, key, msg);
}

void
lp_checkopts(lua_State *L, int idx, const char *fname, const char *const keys[])
{
	idx = lua_absindex(L, idx);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING)
			luaL_error(L, "%s: option keys must be strings, got %s",
				   fname, luaL_typename(L, -1));
		const char *k = lua_tostring(L, -1);
		int known = 0;
		for (int i = 0; keys[i] && !known; i++)
			known = strcmp(keys[i], k) == 0;
		if (!known)
			luaL_error(L, "%s: unknown option '%s'", fname, k);
	}
}

int
lp_checkname(lua_State *L, int idx, const char *what, const char *const names[])
{
	const char *s = lua_tostring(L, idx);
	if (lua_type(L, idx) == LUA_TSTRING) {
		for (int i = 0; names[i]; i++)
			if (strcmp(names[i], s) == 0)
				return i;
	}
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	for (int i = 0; names[i]; i++) {
		if (i)
			luaL_addstring(&b, ", ");
		luaL_addchar(&b, '"');
		luaL_addstring(&b, names[i]);
		luaL_addchar(&b, '"');
	}
	luaL_pushresult(&b);
	if (s && lua_type(L, idx) == LUA_TSTRING)
		return luaL_error(L, "%s: expected one of %s, got \"%s\"", what,
				  lua_tostring(L, -1), s);
	return luaL_error(L, "%s: expected one of %s, got %s", what,
			  lua_tostring(L, -1), luaL_typename(L, idx));
}

/* registry key of the objects table: an address, cheaper than a string */
static const char objects_key;

static void
push_objects(lua_State *L)
{
	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &objects_key) == LUA_TTABLE)
		return;
	lua_pop(L, 1);
	lua_newtable(L);
	lua_createtable(L, 0, 1);
	lua_pushliteral(L, "v");
	lua_setfield(L, -2, "__mode");
	lua_setmetatable(L, -2);
	lua_pushvalue(L, -1);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &objects_key);
}

void
lp_objects_put(lua_State *L, const void *key, int idx)
{
	idx = lua_absindex(L, idx);
	push_objects(L);
	lua_pushvalue(L, idx);
	lua_rawsetp(L, -2, key);
	lua_pop(L, 1);
}

void
lp_objects_get(lua_State *L, const void *key)
{
	push_objects(L);
	lua_rawgetp(L, -1, key);
	lua_remove(L, -2);
}

/* forgets key unless another object has taken its place */
void
lp_objects_del(lua_State *L, const void *key, int idx)
{
	idx = lua_absindex(L, idx);
	push_objects(L);
	lua_rawgetp(L, -1, key);
	if (lua_rawequal(L, -1, idx)) {
		lua_pushnil(L);
		lua_rawsetp(L, -3, key);
	}
	lua_pop(L, 2);
}

static const struct {
	const char *name;
	unsigned flag;
} memflags[] = {
	{ "nodrain", PMEMSET_F_MEM_NODRAIN },
	{ "nontemporal", PMEMSET_F_MEM_NONTEMPORAL },
	{ "temporal", PMEMSET_F_MEM_TEMPORAL },
	{ "wc", PMEMSET_F_MEM_WC },
	{ "wb", PMEMSET_F_MEM_WB },
	{ "noflush", PMEMSET_F_MEM_NOFLUSH },
};

#define NMEMFLAGS (sizeof(memflags) / sizeof(memflags[0]))

static unsigned
memflag_by_name(lua_State *L, int idx)
{
	const char *s = lua_tostring(L, idx);
	for (size_t i = 0;
	     s && lua_type(L, idx) == LUA_TSTRING && i < NMEMFLAGS; i++)
		if (strcmp(memflags[i].name, s) == 0)
			return memflags[i].flag;
	return (unsigned)luaL_error(L, "flags: unknown flag %s",
				    s ? s : luaL_typename(L, idx));
}

/* flags: nil, an integer of PMEMSET_F_MEM_* bits, a name or a list of them */
unsigned
lp_checkmemflags(lua_State *L, int idx)
{
	unsigned flags = 0;
	switch (lua_type(L, idx)) {
	case LUA_TNONE:
	case LUA_TNIL:
		return 0;
	case LUA_TNUMBER: {
		int isint;
		lua_Integer v = lua_tointegerx(L, idx, &isint);
		if (!isint || v < 0 ||
		    (v & ~(lua_Integer)PMEMSET_F_MEM_VALID_FLAGS))
			luaL_argerror(L, idx, "invalid memory flags");
		return (unsigned)v;
	}
	case LUA_TSTRING:
		return memflag_by_name(L, idx);
	case LUA_TTABLE:
		for (lua_Integer i = 1; lua_rawgeti(L, idx, i) != LUA_TNIL;
		     i++) {
			flags |= memflag_by_name(L, -1);
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
		return flags;
	default:
		return (unsigned)luaL_typeerror(L, idx, "flags");
	}
}

void
lp_push_memflags(lua_State *L)
{
	lua_createtable(L, 0, (int)NMEMFLAGS);
	for (size_t i = 0; i < NMEMFLAGS; i++) {
		lua_pushinteger(L, memflags[i].flag);
		lua_setfield(L, -2, memflags[i].name);
	}
}
