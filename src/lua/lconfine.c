/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lconfine.c -- the one check of every path a script makes the module (or
 * the host's layouts) open: with a confinement registered in the registry
 * (a sandboxed host does it), a path is allowed only when its resolved form
 * lies under a granted directory with the access asked for.
 *
 * Why on the resolved path: ".." and symlinks inside a granted directory
 * could otherwise point anywhere. The last component of a path that does
 * not exist yet is appended to its resolved parent, and a dangling symlink
 * is refused, as creating through it would create its target. /proc, /sys
 * and /dev hold files that reach the process itself (/proc/self/mem) or
 * the hardware, so a grant of "/" does not open them: only a grant naming
 * a directory inside them does.
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lpmemset.h"

/* its address is the registry key of the confinement (no allocation) */
static const char confine_key;

void
lp_confine_register(lua_State *L, struct lp_confinement *c)
{
	lua_pushlightuserdata(L, c);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &confine_key);
}

static struct lp_confinement *
registered(lua_State *L)
{
	lua_rawgetp(L, LUA_REGISTRYINDEX, &confine_key);
	struct lp_confinement *c = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return c;
}

/* path resolved into out (PATH_MAX); a missing last component is kept */
static int
resolve(const char *path, char *out)
{
	struct stat st;
	if (lstat(path, &st) == 0)
		return realpath(path, out) ? 0 : -errno;
	if (errno != ENOENT)
		return -errno;

	char dir[PATH_MAX];
	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	strcpy(dir, path);
	char *slash = strrchr(dir, '/');
	const char *base = slash ? slash + 1 : dir;
	if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return -EINVAL;
	char parent[PATH_MAX];
	if (!slash)
		strcpy(parent, ".");
	else if (slash == dir)
		strcpy(parent, "/");
	else {
		*slash = '\0';
		strcpy(parent, dir);
	}
	if (!realpath(parent, out))
		return -errno;
	size_t len = strlen(out);
	int n = snprintf(out + len, PATH_MAX - len, "%s%s", len > 1 ? "/" : "",
			 base);
	return n < 0 || (size_t)n >= PATH_MAX - len ? -ENAMETOOLONG : 0;
}

/* whether p is dir or below it (dir resolved, without a trailing '/') */
static int
under(const char *p, const char *dir, size_t len)
{
	if (len == 1) /* "/" */
		return 1;
	return strncmp(p, dir, len) == 0 && (p[len] == '\0' || p[len] == '/');
}

static const char *const special_roots[] = { "/proc", "/sys", "/dev", NULL };

/* a grant of dir covers p, unless p is in a special root dir is not in */
static int
covers(const struct lp_grant *g, const char *p)
{
	if (!under(p, g->dir, g->len))
		return 0;
	for (int i = 0; special_roots[i]; i++) {
		size_t n = strlen(special_roots[i]);
		if (under(p, special_roots[i], n) &&
		    !under(g->dir, special_roots[i], n))
			return 0;
	}
	return 1;
}

int
lp_confine_path(lua_State *L, const char *path, unsigned need, char *msg,
		size_t msglen)
{
	struct lp_confinement *c = registered(L);
	if (!c)
		return 0;
	char resolved[PATH_MAX];
	int ret = resolve(path, resolved);
	if (ret) {
		snprintf(msg, msglen, "%s: cannot resolve the path: %s", path,
			 strerror(-ret));
		return -EACCES;
	}
	for (size_t i = 0; i < c->n; i++)
		if ((c->grants[i].flags & need) == need &&
		    covers(&c->grants[i], resolved))
			return 0;
	int create = (need & LP_CONFINE_CREATE) != 0;
	snprintf(msg, msglen,
		 "%s (resolved: %s) is not under a directory granted for %s "
		 "(pmemset_lua_allow_path, pmemset-lua --allow DIR%s)",
		 path, resolved, create ? "creating and mapping" : "reading",
		 create ? ":rw" : "");
	return -EACCES;
}

void
lp_check_path(lua_State *L, const char *what, const char *path, unsigned need)
{
	char msg[PATH_MAX * 2 + 160];
	if (lp_confine_path(L, path, need, msg, sizeof(msg)))
		luaL_error(L, "%s: %s", what, msg);
}

int
lp_confinement_add(struct lp_confinement *c, const char *dir, unsigned flags)
{
	char resolved[PATH_MAX];
	struct stat st;
	if (!realpath(dir, resolved))
		return -errno;
	if (stat(resolved, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	struct lp_grant *g =
		realloc(c->grants, (c->n + 1) * sizeof(*c->grants));
	if (!g)
		return -ENOMEM;
	c->grants = g;
	char *copy = strdup(resolved);
	if (!copy)
		return -ENOMEM;
	g[c->n].dir = copy;
	g[c->n].len = strlen(copy);
	g[c->n].flags = flags;
	c->n++;
	return 0;
}

void
lp_confinement_fini(struct lp_confinement *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->grants[i].dir);
	free(c->grants);
	c->grants = NULL;
	c->n = 0;
}
