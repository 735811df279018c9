/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lpath.c -- questions about files that a layout check asks without
 * touching them (pmemset-lua --check): may this process read, write or
 * search a path, and how large is a regular file. Failures return nil,
 * "path: reason", errno name, as the rest of the module does.
 */

#include <errno.h>
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

/* pmemset.access(path, mode) -- mode of "r", "w", "x" letters (access(2)) */
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

/* pmemset.file_size(path) -- size of a regular file */
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

/* adds access and file_size to the module table on the top */
void
lp_open_path(lua_State *L)
{
	lua_pushcfunction(L, path_access);
	lua_setfield(L, -2, "access");
	lua_pushcfunction(L, path_file_size);
	lua_setfield(L, -2, "file_size");
}
