/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * layout.c -- mapping a layout script into a set owned by the host.
 *
 * A layout script returns a table:
 *   granularity = "page" | "cache_line" | "byte"          (default "page")
 *   coalescing = "none" | "opportunistic" | "full"        (default "none")
 *   reservation = size        a libpmem2 reservation for all parts
 *   policy = "file.lua"       a policy script (relative to the layout's
 *                             directory) lending on, on_event and
 *                             acceptable_states where the layout has none
 *   on, on_event, acceptable_states   as in a policy (default states:
 *                             { "ok", "ok_but_already_open" })
 *   parts = { part, ... }     mapped in order; each part is
 *     { file = path, create = "always" | "if_needed", mode = 0x1a4 | "0644",
 *       grow = true, offset = size, length = size,
 *       badblock_detection = false, sds = true | { id =, usc =, refcount = } }
 *     or { temporary = dir, length = size, ... }
 * Sizes are integers or strings such as "64K", "2M", "1G".
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <libpmem2.h>

#include "host.h"
#include "lpmemset.h"

/* context of one map_layout call */
struct layout {
	struct pmemset_lua *host;
	lua_State *L;
	const char *name; /* the layout's path, for messages */
	int t;		  /* stack index of the layout table */
	struct host_set *hs;
};

/* parse "64K", "2M", "1G", "4096"...; 0 or -1 */
static int
parse_size(const char *s, size_t *size)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s || errno || s[0] == '-')
		return -1;
	unsigned shift = 0;
	switch (*end) {
	case 'K':
	case 'k':
		shift = 10;
		end++;
		break;
	case 'M':
	case 'm':
		shift = 20;
		end++;
		break;
	case 'G':
	case 'g':
		shift = 30;
		end++;
		break;
	case 'T':
	case 't':
		shift = 40;
		end++;
		break;
	default:
		break;
	}
	if (shift && (*end == 'i' || *end == 'I'))
		end++;
	if (shift && (*end == 'B' || *end == 'b'))
		end++;
	if (*end != '\0' || (shift && v > (SIZE_MAX >> shift)))
		return -1;
	*size = (size_t)(v << shift);
	return 0;
}

static int
lerr(struct layout *ly, int code, const char *fmt, const char *a, const char *b)
{
	char msg[1024];
	snprintf(msg, sizeof(msg), fmt, a, b);
	return host_err(ly->host, code, "%s: %s", ly->name, msg);
}

/* field of the table at idx as a size; absent -> def; -1 on bad value */
static int
get_size(struct layout *ly, int idx, const char *field, size_t def, size_t *out)
{
	lua_State *L = ly->L;
	int t = lua_getfield(L, idx, field);
	int ret = 0;
	*out = def;
	if (t == LUA_TNUMBER && lua_isinteger(L, -1) &&
	    lua_tointeger(L, -1) >= 0)
		*out = (size_t)lua_tointeger(L, -1);
	else if (t == LUA_TSTRING)
		ret = parse_size(lua_tostring(L, -1), out);
	else if (t != LUA_TNIL)
		ret = -1;
	lua_pop(L, 1);
	if (ret)
		return lerr(ly, PMEMSET_LUA_E_INVALID_SCRIPT,
			    "%s%s is not a size", field, "");
	return 0;
}

/* field as one of names; absent -> def; -1 and a message otherwise */
static int
get_option(struct layout *ly, int idx, const char *field,
	   const char *const names[], int def, int *out)
{
	lua_State *L = ly->L;
	int t = lua_getfield(L, idx, field);
	*out = def;
	int ret = 0;
	if (t == LUA_TSTRING) {
		ret = -1;
		for (int i = 0; names[i]; i++)
			if (strcmp(names[i], lua_tostring(L, -1)) == 0) {
				*out = i;
				ret = 0;
			}
	} else if (t != LUA_TNIL) {
		ret = -1;
	}
	lua_pop(L, 1);
	if (ret)
		return lerr(ly, PMEMSET_LUA_E_INVALID_SCRIPT,
			    "%s: bad value (expected %s...)", field, names[0]);
	return 0;
}

static int
get_bool(lua_State *L, int idx, const char *field, int def)
{
	int t = lua_getfield(L, idx, field);
	int v = t == LUA_TNIL ? def : lua_toboolean(L, -1);
	lua_pop(L, 1);
	return v;
}

/* --- the policy lent by policy = "file.lua" --- */

/* path relative to the directory of the layout (absolute paths stay) */
static char *
relative_to(const char *layout, const char *path)
{
	const char *slash = strrchr(layout, '/');
	if (path[0] == '/' || !slash)
		return strdup(path);
	size_t dirlen = (size_t)(slash - layout) + 1;
	char *p = malloc(dirlen + strlen(path) + 1);
	if (p) {
		memcpy(p, layout, dirlen);
		strcpy(p + dirlen, path);
	}
	return p;
}

static int
lend_policy(struct layout *ly)
{
	lua_State *L = ly->L;
	struct pmemset_lua *host = ly->host;
	int t = lua_getfield(L, ly->t, "policy");
	if (t == LUA_TNIL) {
		lua_pop(L, 1);
		return 0;
	}
	if (t != LUA_TSTRING) {
		lua_pop(L, 1);
		return lerr(ly, PMEMSET_LUA_E_INVALID_SCRIPT,
			    "policy is not a file name%s%s", "", "");
	}
	char *path = relative_to(ly->name, lua_tostring(L, -1));
	lua_pop(L, 1);
	if (!path)
		return host_err(host, -ENOMEM, "%s: out of memory", ly->name);
	char msg[2 * PATH_MAX + 160];
	int ret = lp_confine_path(L, path, LP_CONFINE_READ, msg, sizeof(msg));
	if (ret)
		host_err(host, ret, "%s: policy: %s", ly->name, msg);
	else
		ret = host_load_file(host, path);
	if (!ret && (ret = host_pcall(host, 0, 1, NULL)) == 0) {
		ret = policy_check(host, -1, path);
		static const char *const fields[] = { "on", "on_event",
						      "acceptable_states",
						      NULL };
		for (int i = 0; !ret && fields[i]; i++) {
			if (lua_getfield(L, ly->t, fields[i]) == LUA_TNIL) {
				lua_getfield(L, -2, fields[i]);
				lua_setfield(L, ly->t, fields[i]);
			}
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
	}
	free(path);
	return ret;
}

static void
default_states(lua_State *L, int t)
{
	if (lua_getfield(L, t, "acceptable_states") == LUA_TNIL) {
		lua_createtable(L, 2, 0);
		lua_pushliteral(L, "ok");
		lua_rawseti(L, -2, 1);
		lua_pushliteral(L, "ok_but_already_open");
		lua_rawseti(L, -2, 2);
		lua_setfield(L, t, "acceptable_states");
	}
	lua_pop(L, 1);
}

/* --- the set --- */

static int
new_set(struct layout *ly)
{
	static const char *const granularities[] = { "byte", "cache_line",
						     "page", NULL };
	static const char *const coalescings[] = { "none", "opportunistic",
						   "full", NULL };
	lua_State *L = ly->L;
	struct pmemset_lua *host = ly->host;
	int gran, coal;
	size_t rsv_size;
	int ret = get_option(ly, ly->t, "granularity", granularities,
			     PMEM2_GRANULARITY_PAGE, &gran);
	if (!ret)
		ret = get_option(ly, ly->t, "coalescing", coalescings,
				 PMEMSET_COALESCING_NONE, &coal);
	if (!ret)
		ret = get_size(ly, ly->t, "reservation", 0, &rsv_size);
	if (ret)
		return ret;

	if (rsv_size) {
		ret = pmem2_vm_reservation_new(&ly->hs->rsv, NULL, rsv_size);
		if (ret)
			return host_err(host, ret, "%s: reservation: %s",
					ly->name, pmem2_errormsg());
	}
	struct pmemset_config *cfg;
	ret = pmemset_config_new(&cfg);
	if (ret)
		return host_err(host, ret, "%s: %s", ly->name,
				pmemset_errormsg());
	ret = pmemset_config_set_required_store_granularity(cfg, gran);
	if (!ret) {
		pmemset_config_set_reservation(cfg, ly->hs->rsv);
		lua_pushvalue(L, ly->t);
		int ref = luaL_ref(L, LUA_REGISTRYINDEX);
		ret = policy_attach(host, cfg, ref);
		luaL_unref(L, LUA_REGISTRYINDEX, ref);
		if (ret) {
			pmemset_config_delete(&cfg);
			return ret;
		}
		ret = pmemset_new(&ly->hs->set, cfg);
	}
	if (!ret)
		ret = pmemset_set_contiguous_part_coalescing(ly->hs->set, coal);
	if (ret)
		host_err(host, ret, "%s: %s", ly->name, pmemset_errormsg());
	pmemset_config_delete(&cfg);
	return ret;
}

/* --- the parts --- */

static int
file_flags(struct layout *ly, int p, uint64_t *flags)
{
	static const char *const creates[] = { "never", "always", "if_needed",
					       NULL };
	lua_State *L = ly->L;
	int create;
	int ret = get_option(ly, p, "create", creates, 0, &create);
	if (ret)
		return ret;
	*flags = create == 1   ? PMEMSET_SOURCE_FILE_CREATE_ALWAYS
		 : create == 2 ? PMEMSET_SOURCE_FILE_CREATE_IF_NEEDED
			       : 0;
	if (!get_bool(L, p, "grow", 1))
		*flags |= PMEMSET_SOURCE_FILE_DO_NOT_GROW;

	int t = lua_getfield(L, p, "mode");
	long long mode = -1;
	if (t == LUA_TNUMBER && lua_isinteger(L, -1))
		mode = lua_tointeger(L, -1);
	else if (t == LUA_TSTRING)
		mode = strtoll(lua_tostring(L, -1), NULL, 8);
	lua_pop(L, 1);
	if (t != LUA_TNIL) {
		if (mode < 0 || mode > 0777)
			return lerr(ly, PMEMSET_LUA_E_INVALID_SCRIPT,
				    "mode is not a file mode%s%s", "", "");
		*flags |= PMEMSET_SOURCE_FILE_CREATE_MODE(mode);
	}
	return 0;
}

/* a sandboxed host's layout creates sources only where it was granted */
static int
confine(struct layout *ly, const char *where, const char *path)
{
	char msg[2 * PATH_MAX + 160];
	int ret = lp_confine_path(ly->L, path, LP_CONFINE_CREATE, msg,
				  sizeof(msg));
	if (ret)
		host_err(ly->host, ret, "%s: %s: %s", ly->name, where, msg);
	return ret;
}

/* create = "always" must not truncate a file mapped in this process */
static int
not_mapped(struct layout *ly, const char *where, const char *path)
{
	char msg[PATH_MAX + 160];
	int ret = lp_check_not_mapped(path, msg, sizeof(msg));
	if (ret)
		host_err(ly->host, ret, "%s: %s: %s", ly->name, where, msg);
	return ret;
}

/* the source of the part table at p; its description in what */
static int
open_source(struct layout *ly, int p, const char *where,
	    struct pmemset_source **src, char *what, size_t whatlen)
{
	lua_State *L = ly->L;
	int ret;
	if (lua_getfield(L, p, "file") == LUA_TSTRING) {
		const char *file = lua_tostring(L, -1);
		snprintf(what, whatlen, "%s", file);
		uint64_t flags;
		ret = file_flags(ly, p, &flags);
		if (!ret && (ret = confine(ly, where, file)) == 0 &&
		    (flags & PMEMSET_SOURCE_FILE_CREATE_ALWAYS))
			ret = not_mapped(ly, where, file);
		if (ret) {
			lua_pop(L, 1);
			return ret;
		}
		if (!ret)
			ret = pmemset_xsource_from_file(src, file, flags);
	} else if (lua_getfield(L, p, "temporary") == LUA_TSTRING) {
		const char *dir = lua_tostring(L, -1);
		snprintf(what, whatlen, "temporary in %s", dir);
		ret = confine(ly, where, dir);
		if (ret) {
			lua_pop(L, 2);
			return ret;
		}
		ret = pmemset_source_from_temporary(src, dir);
		lua_pop(L, 1);
	} else {
		lua_pop(L, 2);
		return lerr(ly, PMEMSET_LUA_E_INVALID_SCRIPT, "%s: %s", where,
			    "neither file nor temporary");
	}
	lua_pop(L, 1);
	if (ret && ret > PMEMSET_LUA_E_SCRIPT) /* a libpmemset failure */
		host_err(ly->host, ret, "%s: %s (%s): %s", ly->name, where,
			 what, pmemset_errormsg());
	return ret;
}

static int
set_sds(struct layout *ly, int p, struct pmemset_source *src)
{
	lua_State *L = ly->L;
	struct pmemset_sds sds = PMEMSET_SDS_INITIALIZE();
	int t = lua_getfield(L, p, "sds");
	int ret = 0;
	if (t == LUA_TTABLE) {
		if (lua_getfield(L, -1, "id") == LUA_TSTRING)
			snprintf(sds.id, sizeof(sds.id), "%s",
				 lua_tostring(L, -1));
		lua_getfield(L, -2, "usc");
		sds.usc = (uint64_t)lua_tointeger(L, -1);
		lua_getfield(L, -3, "refcount");
		sds.refcount = (int)lua_tointeger(L, -1);
		lua_pop(L, 3);
	} else if (t != LUA_TBOOLEAN && t != LUA_TNIL) {
		ret = -1;
	}
	int want = t == LUA_TTABLE || lua_toboolean(L, -1);
	lua_pop(L, 1);
	if (ret)
		return lerr(ly, PMEMSET_LUA_E_INVALID_SCRIPT,
			    "sds is neither true nor a table%s%s", "", "");
	if (!want)
		return 0;
	ret = pmemset_source_set_sds(src, &sds, NULL);
	if (ret)
		host_err(ly->host, ret, "%s: sds: %s", ly->name,
			 pmemset_errormsg());
	return ret;
}

static int
add_source(struct host_set *hs, struct pmemset_source *src)
{
	struct pmemset_source **s =
		realloc(hs->sources, (hs->nsources + 1) * sizeof(*s));
	if (!s)
		return -ENOMEM;
	hs->sources = s;
	hs->sources[hs->nsources++] = src;
	return 0;
}

/* maps the part table at the top of the stack */
static int
map_part(struct layout *ly, int i)
{
	lua_State *L = ly->L;
	int p = lua_gettop(L);
	char where[64], what[1024];
	snprintf(where, sizeof(where), "parts[%d]", i);
	if (!lua_istable(L, p))
		return lerr(ly, PMEMSET_LUA_E_INVALID_SCRIPT,
			    "%s%s is not a table", where, "");

	size_t offset, length;
	int ret = get_size(ly, p, "offset", 0, &offset);
	if (!ret)
		ret = get_size(ly, p, "length", 0, &length);
	if (ret)
		return ret;
	struct pmemset_source *src = NULL;
	ret = open_source(ly, p, where, &src, what, sizeof(what));
	if (ret)
		return ret;
	if (add_source(ly->hs, src)) {
		pmemset_source_delete(&src);
		return host_err(ly->host, -ENOMEM, "out of memory");
	}
	pmemset_source_set_badblock_detection(
		src, get_bool(L, p, "badblock_detection", 0));
	ret = set_sds(ly, p, src);
	if (ret)
		return ret;

	struct pmemset_map_config *mc;
	ret = pmemset_map_config_new(&mc);
	if (!ret)
		ret = pmemset_map_config_set_offset(mc, offset);
	if (!ret) {
		pmemset_map_config_set_length(mc, length);
		ret = pmemset_map(ly->hs->set, src, mc, NULL);
	}
	if (ret)
		host_err(ly->host, ret, "%s: %s (%s): %s", ly->name, where,
			 what, pmemset_errormsg());
	pmemset_map_config_delete(&mc);
	return ret;
}

static int
map_parts(struct layout *ly)
{
	lua_State *L = ly->L;
	if (lua_getfield(L, ly->t, "parts") != LUA_TTABLE) {
		lua_pop(L, 1);
		return lerr(ly, PMEMSET_LUA_E_INVALID_SCRIPT,
			    "parts is not a list%s%s", "", "");
	}
	int ret = 0;
	lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
	for (lua_Integer i = 1; i <= n && !ret; i++) {
		lua_rawgeti(L, -1, i);
		ret = map_part(ly, (int)i);
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return ret;
}

/* --- owning and deleting --- */

static void
host_set_free(struct pmemset_lua *host, struct host_set *hs)
{
	if (hs->set) {
		struct pmemset *set = hs->set;
		pmemset_delete(&hs->set);
		events_forget_set(host, set);
	}
	for (size_t i = 0; i < hs->nsources; i++)
		pmemset_source_delete(&hs->sources[i]);
	free(hs->sources);
	if (hs->rsv)
		pmem2_vm_reservation_delete(&hs->rsv);
	free(hs);
}

/* runs the layout chunk at the top and maps it into ly->hs */
static int
run_layout(struct layout *ly)
{
	lua_State *L = ly->L;
	int ret = host_pcall(ly->host, 0, 1, NULL);
	if (ret)
		return ret;
	ly->t = lua_gettop(L);
	if (!lua_istable(L, ly->t))
		ret = lerr(ly, PMEMSET_LUA_E_INVALID_SCRIPT,
			   "the script returned no table%s%s", "", "");
	if (!ret)
		ret = lend_policy(ly);
	if (!ret) {
		default_states(L, ly->t);
		ret = policy_check(ly->host, ly->t, ly->name);
	}
	if (!ret)
		ret = new_set(ly);
	if (!ret)
		ret = map_parts(ly);
	lua_settop(L, ly->t - 1);
	return ret;
}

/* in protected mode: a raise (out of memory) leaves what ly.hs holds */
static int
load_and_run(struct pmemset_lua *host, void *arg)
{
	int ret = host_load_file(host, ((struct layout *)arg)->name);
	return ret ? ret : run_layout(arg);
}

int
pmemset_lua_map_layout(struct pmemset_lua *host, const char *path,
		       struct pmemset **set)
{
	if (!host)
		return -EINVAL;
	if (set)
		*set = NULL;
	if (!path || !set)
		return host_err(host, -EINVAL, "map_layout: %s is NULL",
				!path ? "path" : "set");
	host_lock(host);
	struct layout ly = { host, host->L, path, 0, NULL };
	int ret;
	ly.hs = calloc(1, sizeof(*ly.hs));
	if (!ly.hs) {
		ret = host_err(host, -ENOMEM, "map_layout: out of memory");
	} else {
		ret = host_protect(host, load_and_run, &ly, path);
	}
	if (ret && ly.hs) {
		/* tearing down runs handlers (SDS_UPDATE): keep the message */
		char *msg = strdup(host->errmsg);
		host_set_free(host, ly.hs);
		if (msg)
			host_err(host, ret, "%s", msg);
		free(msg);
	} else if (!ret) {
		ly.hs->next = host->sets;
		host->sets = ly.hs;
		*set = ly.hs->set;
	}
	host_unlock(host);
	return ret;
}

int
pmemset_lua_delete_set(struct pmemset_lua *host, struct pmemset **set)
{
	if (!host)
		return -EINVAL;
	if (!set)
		return host_err(host, -EINVAL, "delete_set: set is NULL");
	if (!*set)
		return 0;
	host_lock(host);
	struct host_set **pp = &host->sets;
	while (*pp && (*pp)->set != *set)
		pp = &(*pp)->next;
	if (*pp) {
		struct host_set *hs = *pp;
		*pp = hs->next;
		host_set_free(host, hs);
	} else {
		struct pmemset *s = *set;
		pmemset_delete(set);
		events_forget_set(host, s);
	}
	*set = NULL;
	host_unlock(host);
	return 0;
}

void
layout_delete_all(struct pmemset_lua *host)
{
	while (host->sets) {
		struct host_set *hs = host->sets;
		host->sets = hs->next;
		host_set_free(host, hs);
	}
}
