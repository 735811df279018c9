/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lsource.c -- pmemset.source: file and temporary sources as userdata.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "lpmemset.h"

static struct lsource *
tosource(lua_State *L, int idx)
{
	return luaL_checkudata(L, idx, LPMEMSET_SOURCE);
}

struct lsource *
lp_checksource(lua_State *L, int idx)
{
	struct lsource *s = tosource(L, idx);
	if (s->src == NULL)
		luaL_argerror(L, idx, "source is closed");
	return s;
}

static struct lsource *
new_source(lua_State *L)
{
	struct lsource *s = lua_newuserdatauv(L, sizeof(*s), 0);
	memset(s, 0, sizeof(*s));
	luaL_setmetatable(L, LPMEMSET_SOURCE);
	return s;
}

/* registers the new source (on the stack top) for event lookups */
static int
source_created(lua_State *L, struct lsource *s)
{
	lp_objects_put(L, s->src, -1);
	return 1;
}

/* whether a line of /proc/self/maps maps the file of dev, ino */
static int
maps_file(const char *line, dev_t dev, ino_t ino)
{
	unsigned maj, min;
	uintmax_t inode;
	if (sscanf(line, "%*s %*s %*s %x:%x %ju", &maj, &min, &inode) != 3)
		return 0;
	return inode != 0 && (ino_t)inode == ino && makedev(maj, min) == dev;
}

int
lp_check_not_mapped(const char *path, char *msg, size_t msglen)
{
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return 0; /* nothing there to truncate under a mapping */
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f)
		return 0;
	char *line = NULL;
	size_t cap = 0;
	int mapped = 0;
	while (!mapped && getline(&line, &cap, f) > 0)
		mapped = maps_file(line, st.st_dev, st.st_ino);
	free(line);
	fclose(f);
	if (!mapped)
		return 0;
	snprintf(msg, msglen,
		 "%s is mapped in this process (a set maps it): "
		 "create = \"always\" would truncate it under the mapping",
		 path);
	return -EBUSY;
}

static const char *const create_names[] = { "always", "if_needed", NULL };
static const char *const file_opts[] = { "create", "grow", "mode", NULL };

/* file options -> PMEMSET_SOURCE_FILE_* flags */
static uint64_t
file_flags(lua_State *L, int idx)
{
	uint64_t flags = 0;
	luaL_checktype(L, idx, LUA_TTABLE);
	lp_checkopts(L, idx, "pmemset.source.file", file_opts);

	if (lua_getfield(L, idx, "create") != LUA_TNIL) {
		int c = lp_checkname(L, -1, "pmemset.source.file: create",
				     create_names);
		flags |= c == 0 ? PMEMSET_SOURCE_FILE_CREATE_ALWAYS
				: PMEMSET_SOURCE_FILE_CREATE_IF_NEEDED;
	}
	if (lua_getfield(L, idx, "grow") != LUA_TNIL) {
		if (!lua_isboolean(L, -1))
			lp_opterror(L, "pmemset.source.file", "grow",
				    "expected a boolean");
		if (!lua_toboolean(L, -1))
			flags |= PMEMSET_SOURCE_FILE_DO_NOT_GROW;
	}
	if (lua_getfield(L, idx, "mode") != LUA_TNIL) {
		int isint;
		lua_Integer mode = lua_tointegerx(L, -1, &isint);
		if (!isint || mode < 0 || mode > 0777)
			lp_opterror(L, "pmemset.source.file", "mode",
				    "expected an integer from 0 to 0x1ff");
		flags |= PMEMSET_SOURCE_FILE_CREATE_MODE(mode);
	}
	lua_pop(L, 3);
	return flags;
}

/* nil, message, code of a source refused before anything is opened */
static int
refuse(lua_State *L, int code, const char *msg)
{
	lua_pushnil(L);
	lua_pushfstring(L, "cannot open source: %s", msg);
	lp_push_errname(L, code);
	return 3;
}

/* pmemset.source.file(path [, opts]) */
static int
source_file(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	uint64_t flags = lua_isnoneornil(L, 2) ? 0 : file_flags(L, 2);
	char msg[2 * 4096 + 160];
	int ret = lp_confine_path(L, path, LP_CONFINE_CREATE, msg, sizeof(msg));
	if (!ret && (flags & PMEMSET_SOURCE_FILE_CREATE_ALWAYS))
		ret = lp_check_not_mapped(path, msg, sizeof(msg));
	if (ret)
		return refuse(L, ret, msg);
	struct lsource *s = new_source(L);
	ret = flags ? pmemset_xsource_from_file(&s->src, path, flags)
		    : pmemset_source_from_file(&s->src, path);
	if (ret)
		return lp_fail(L, ret, "cannot open source");
	return source_created(L, s);
}

/* pmemset.source.temporary(dir) */
static int
source_temporary(lua_State *L)
{
	const char *dir = luaL_checkstring(L, 1);
	char msg[2 * 4096 + 160];
	if (lp_confine_path(L, dir, LP_CONFINE_CREATE, msg, sizeof(msg)))
		return refuse(L, -EACCES, msg);
	struct lsource *s = new_source(L);
	int ret = pmemset_source_from_temporary(&s->src, dir);
	if (ret)
		return lp_fail(L, ret, "cannot create temporary source");
	return source_created(L, s);
}

static int
source_alignment(lua_State *L)
{
	struct lsource *s = lp_checksource(L, 1);
	size_t alignment;
	int ret = pmemset_source_alignment(s->src, &alignment);
	if (ret)
		return lp_fail(L, ret, "cannot read the alignment");
	lua_pushinteger(L, (lua_Integer)alignment);
	return 1;
}

static int
source_pread(lua_State *L)
{
	struct lsource *s = lp_checksource(L, 1);
	size_t offset = lp_checksize(L, 2, "offset");
	size_t len = lp_checksize(L, 3, "len");
	luaL_Buffer b;
	char *buf = luaL_buffinitsize(L, &b, len);
	int ret = pmemset_source_pread_mcsafe(s->src, buf, len, offset);
	if (ret)
		return lp_fail(L, ret, "cannot read the source");
	luaL_pushresultsize(&b, len);
	return 1;
}

static int
source_pwrite(lua_State *L)
{
	struct lsource *s = lp_checksource(L, 1);
	size_t offset = lp_checksize(L, 2, "offset");
	size_t len;
	const char *data = luaL_checklstring(L, 3, &len);
	/* the core does not write through buf; the cast only drops const */
	int ret =
		pmemset_source_pwrite_mcsafe(s->src, (void *)data, len, offset);
	if (ret)
		return lp_fail(L, ret, "cannot write the source");
	lua_pushboolean(L, 1);
	return 1;
}

static int
source_set_sds(lua_State *L)
{
	struct lsource *s = lp_checksource(L, 1);
	struct pmemset_sds sds;
	lp_checksds(L, 2, &sds);
	int ret = pmemset_source_set_sds(s->src, &sds, &s->state);
	if (ret)
		return lp_fail(L, ret, "cannot set the SDS");
	s->has_sds = 1;
	lua_pushboolean(L, 1);
	return 1;
}

static int
source_set_badblock_detection(lua_State *L)
{
	struct lsource *s = lp_checksource(L, 1);
	luaL_checktype(L, 2, LUA_TBOOLEAN);
	pmemset_source_set_badblock_detection(s->src, lua_toboolean(L, 2));
	lua_pushboolean(L, 1);
	return 1;
}

/* the part state the last map of this SDS source was classified in */
static int
source_state(lua_State *L)
{
	struct lsource *s = lp_checksource(L, 1);
	const char *name = s->has_sds ? lp_state_name(s->state) : NULL;
	if (name)
		lua_pushstring(L, name);
	else
		lua_pushnil(L);
	return 1;
}

static int
source_path(lua_State *L)
{
	struct lsource *s = lp_checksource(L, 1);
	const char *path = pmemset_source_get_path(s->src);
	if (path)
		lua_pushstring(L, path);
	else
		lua_pushnil(L);
	return 1;
}

/* close, __close and __gc: idempotent; mapped parts stay mapped */
static int
source_close(lua_State *L)
{
	struct lsource *s = tosource(L, 1);
	if (s->src && s->borrowed) {
		s->src = NULL; /* the C caller's: only detached */
	} else if (s->src) {
		lp_objects_del(L, s->src, 1);
		pmemset_source_delete(&s->src);
	}
	return 0;
}

struct lsource *
lp_push_borrowed_source(lua_State *L, struct pmemset_source *src)
{
	struct lsource *s = new_source(L);
	s->src = src;
	s->borrowed = 1;
	return s;
}

static int
source_tostring(lua_State *L)
{
	struct lsource *s = tosource(L, 1);
	if (s->src)
		lua_pushfstring(L, "pmemset.source (%p)", (void *)s->src);
	else
		lua_pushliteral(L, "pmemset.source (closed)");
	return 1;
}

static const luaL_Reg source_methods[] = {
	{ "alignment", source_alignment },
	{ "pread", source_pread },
	{ "pwrite", source_pwrite },
	{ "set_sds", source_set_sds },
	{ "set_badblock_detection", source_set_badblock_detection },
	{ "state", source_state },
	{ "path", source_path },
	{ "close", source_close },
	{ NULL, NULL },
};

static const luaL_Reg source_meta[] = {
	{ "__gc", source_close },
	{ "__close", source_close },
	{ "__tostring", source_tostring },
	{ "__index", NULL },
	{ NULL, NULL },
};

static const luaL_Reg source_funcs[] = {
	{ "file", source_file },
	{ "temporary", source_temporary },
	{ NULL, NULL },
};

/* pushes the pmemset.source table */
void
lp_open_source(lua_State *L)
{
	luaL_newmetatable(L, LPMEMSET_SOURCE);
	luaL_setfuncs(L, source_meta, 0);
	luaL_newlib(L, source_methods);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
	luaL_newlib(L, source_funcs);
}

/***
 * Sources: files and temporary files to map.
 * @submodule pmemset
 */

/***
 * A file source.
 * @function source.file
 * @tparam string path
 * @tparam[opt] table opts `create` ("always", "if_needed"), `grow`
 * (boolean, default true), `mode` (an integer, default 0644)
 * @treturn source the source, or nil, message, code
 */

/***
 * An unnamed temporary file in a directory.
 * @function source.temporary
 * @tparam string dir
 * @treturn source the source, or nil, message, code
 */

/***
 * A source: what parts are mapped from.
 * @type source
 */

/***
 * The alignment offsets and lengths of its parts must have.
 * @function source:alignment
 * @treturn integer bytes, or nil, message, code
 */

/***
 * Reads from the source without mapping it.
 * @function source:pread
 * @tparam integer|string offset a size
 * @tparam integer|string len a size
 * @treturn string the data, or nil, message, code
 */

/***
 * Writes to the source without mapping it.
 * @function source:pwrite
 * @tparam integer|string offset a size
 * @tparam string data
 * @treturn boolean true, or nil, message, code
 */

/***
 * Gives the source its saved shutdown-data record; the state is classified
 * when it is mapped.
 * @function source:set_sds
 * @tparam table sds a record (pmemset.sds)
 * @treturn boolean true, or nil, message, code
 */

/***
 * Turns bad-block detection at map time on or off.
 * @function source:set_badblock_detection
 * @tparam boolean on
 */

/***
 * The state the last map classified (SDS sources).
 * @function source:state
 * @treturn string|nil a state name
 */

/***
 * The path of the file behind the source.
 * @function source:path
 * @treturn string|nil
 */

/***
 * Closes the source (mapped parts stay mapped; also __close and __gc). A
 * borrowed source (an event's, made by a C caller) is only detached.
 * @function source:close
 */
