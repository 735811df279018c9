/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lpath.c -- questions about files that a layout check asks without
 * touching them (pmemset-lua --check): may this process read, write or
 * search a path, and how large is a regular file. Failures return nil,
 * "path: reason", errno name, as the rest of the module does.
 */

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lpmemset.h"

static int
fail_errno(lua_State *L, const char *path, int err)
{
	lua_pushnil(L);
	lua_pushfstring(L, "%s: %s", path, strerror(err));
	lp_push_errname(L, -err);
	return 3;
}

/***
 * Questions a layout check asks about files without touching them.
 * @submodule pmemset
 */

/***
 * Whether this process may read, write or search path (access(2)).
 * @function access
 * @tparam string path
 * @tparam string mode letters of "rwx" ("" asks whether it exists)
 * @return true, or nil, "path: reason", errno name
 */
static int
path_access(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	const char *mode = luaL_checkstring(L, 2);
	int how = 0;
	for (const char *m = mode; *m; m++) {
		switch (*m) {
		case 'r':
			how |= R_OK;
			break;
		case 'w':
			how |= W_OK;
			break;
		case 'x':
			how |= X_OK;
			break;
		default:
			return luaL_argerror(L, 2,
					     "expected letters of \"rwx\"");
		}
	}
	if (access(path, how ? how : F_OK) != 0)
		return fail_errno(L, path, errno);
	lua_pushboolean(L, 1);
	return 1;
}

/***
 * The size of a regular file.
 * @function file_size
 * @tparam string path
 * @return its size in bytes, or nil, "path: reason", errno name
 * ("EISDIR" for a directory)
 */
static int
path_file_size(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	struct stat st;
	if (stat(path, &st) != 0)
		return fail_errno(L, path, errno);
	if (!S_ISREG(st.st_mode))
		return fail_errno(L, path,
				  S_ISDIR(st.st_mode) ? EISDIR : EINVAL);
	lua_pushinteger(L, (lua_Integer)st.st_size);
	return 1;
}

/***
 * The canonical absolute path of an existing path (realpath(3)).
 * @function realpath
 * @tparam string path
 * @return the path, or nil, "path: reason", errno name
 */
static int
path_realpath(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	char real[PATH_MAX];
	if (!realpath(path, real))
		return fail_errno(L, path, errno);
	lua_pushstring(L, real);
	return 1;
}

/* adds access, file_size and realpath to the module table on the top */
void
lp_open_path(lua_State *L)
{
	lua_pushcfunction(L, path_realpath);
	lua_setfield(L, -2, "realpath");
	lua_pushcfunction(L, path_access);
	lua_setfield(L, -2, "access");
	lua_pushcfunction(L, path_file_size);
	lua_setfield(L, -2, "file_size");
}
