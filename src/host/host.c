/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * host.c -- the host object: creation with the pmemset module loaded, the
 * lock, error messages, running scripts, policies attached to configs and
 * layouts mapped through the module (lua/pmemset/layout.lua), teardown.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "host.h"
#include "lpmemset.h"

int
host_err(struct pmemset_lua *host, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(host->errmsg, sizeof(host->errmsg), fmt, ap);
	va_end(ap);
	return code;
}

void
host_lock(struct pmemset_lua *host)
{
	pthread_mutex_lock(&host->lock);
}

void
host_unlock(struct pmemset_lua *host)
{
	pthread_mutex_unlock(&host->lock);
}

struct pmemset_lua *
host_from_state(lua_State *L)
{
	lua_getfield(L, LUA_REGISTRYINDEX, HOST_REGISTRY_KEY);
	struct pmemset_lua *host = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return host;
}

/* message handler: the error with a traceback of where it was raised */
static int
traceback(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);
	if (msg == NULL) {
		if (luaL_callmeta(L, 1, "__tostring") &&
		    lua_type(L, -1) == LUA_TSTRING)
			return 1;
		msg = lua_pushfstring(L, "(error object is a %s value)",
				      luaL_typename(L, 1));
	}
	luaL_traceback(L, L, msg, 1);
	return 1;
}

int
host_pcall(struct pmemset_lua *host, int nargs, int nresults, const char *what)
{
	lua_State *L = host->L;
	int base = lua_gettop(L) - nargs;
	lua_pushcfunction(L, traceback);
	lua_insert(L, base);
	int status = lua_pcall(L, nargs, nresults, base);
	lua_remove(L, base);
	if (status == LUA_OK)
		return 0;
	const char *msg = lua_tostring(L, -1);
	if (!msg)
		msg = "(no message)";
	if (what)
		host_err(host, PMEMSET_LUA_E_SCRIPT, "%s: %s", what, msg);
	else
		host_err(host, PMEMSET_LUA_E_SCRIPT, "%s", msg);
	lua_pop(L, 1);
	return PMEMSET_LUA_E_SCRIPT;
}

/* package.preload entries, so require finds the module without a path */
static void
preload_module(lua_State *L)
{
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
	lua_pushcfunction(L, luaopen_pmemset);
	lua_setfield(L, -2, "pmemset");
	lua_pushcfunction(L, luaopen_pmemset_core);
	lua_setfield(L, -2, "pmemset.core");
	lua_pop(L, 1);
}

static int
init_lock(pthread_mutex_t *lock)
{
	pthread_mutexattr_t attr;
	if (pthread_mutexattr_init(&attr))
		return -ENOMEM;
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	int ret = pthread_mutex_init(lock, &attr);
	pthread_mutexattr_destroy(&attr);
	return ret ? -ret : 0;
}

/* loads the module (before a sandbox: layouts keep os.remove) */
static int
open_module(lua_State *L)
{
	luaL_requiref(L, "pmemset", luaopen_pmemset, 0);
	lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	lua_getfield(L, -1, "pmemset.layout");
	lua_setfield(L, LUA_REGISTRYINDEX, HOST_LAYOUT_KEY);
	return 0;
}

int
pmemset_lua_new(struct pmemset_lua **host, unsigned flags)
{
	if (!host)
		return -EINVAL;
	*host = NULL;
	if (flags & ~PMEMSET_LUA_VALID_FLAGS)
		return -EINVAL;

	struct pmemset_lua *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	int ret = init_lock(&h->lock);
	if (ret) {
		free(h);
		return ret;
	}
	h->L = luaL_newstate();
	if (!h->L) {
		pthread_mutex_destroy(&h->lock);
		free(h);
		return -ENOMEM;
	}
	h->flags = flags;
	h->policy_ref = LUA_NOREF;
	track_init(h);

	lua_State *L = h->L;
	lua_pushlightuserdata(L, h);
	lua_setfield(L, LUA_REGISTRYINDEX, HOST_REGISTRY_KEY);
	luaL_openlibs(L);
	preload_module(L);
	lp_set_observer(L, &h->observer);
	lua_pushcfunction(L, open_module);
	if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
		*host = h;
		pmemset_lua_delete(host);
		return -ENOMEM;
	}
	host_open_lua(L);
	if (flags & PMEMSET_LUA_SANDBOX)
		host_sandbox(L);
	*host = h;
	return 0;
}

/* closes the Lua objects of a layout's set: set first, then its sources */
static int
close_layout_set(lua_State *L)
{
	lua_getfield(L, 1, "set");
	lua_getfield(L, -1, "close");
	lua_insert(L, -2);
	lua_call(L, 1, 0);
	lua_getfield(L, 1, "sources");
	for (lua_Integer i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) {
		lua_getfield(L, -1, "close");
		lua_insert(L, -2);
		lua_call(L, 1, 0);
	}
	return 0;
}

/* closes the layout's objects at the top (and pops them) */
static void
close_layout_top(struct pmemset_lua *host)
{
	lua_State *L = host->L;
	lua_pushcfunction(L, close_layout_set);
	lua_insert(L, -2);
	if (lua_pcall(L, 1, 0, 0) != LUA_OK)
		lua_pop(L, 1); /* close never raises on a set it made */
}

static void
host_set_free(struct pmemset_lua *host, struct host_set *hs)
{
	lua_rawgeti(host->L, LUA_REGISTRYINDEX, hs->ref);
	close_layout_top(host);
	luaL_unref(host->L, LUA_REGISTRYINDEX, hs->ref);
	free(hs);
}

void
pmemset_lua_delete(struct pmemset_lua **host)
{
	if (!host || !*host)
		return;
	struct pmemset_lua *h = *host;
	host_lock(h);
	while (h->sets) {
		struct host_set *hs = h->sets;
		h->sets = hs->next;
		host_set_free(h, hs);
	}
	h->closing = 1; /* sets closed by the collector update no keys */
	track_fini(h);	/* releases the Lua trackers: before lua_close */
	lua_close(h->L);
	host_unlock(h);
	pthread_mutex_destroy(&h->lock);
	free(h);
	*host = NULL;
}

struct lua_State *
pmemset_lua_state(struct pmemset_lua *host)
{
	return host ? host->L : NULL;
}

const char *
pmemset_lua_errormsg(struct pmemset_lua *host)
{
	return host ? host->errmsg : "host is NULL";
}

const char *
pmemset_lua_event_name(enum pmemset_event type)
{
	if ((unsigned)type > PMEMSET_EVENT_BADBLOCKS_CLEARED)
		return NULL;
	return lp_event_names[type];
}

const char *
pmemset_lua_state_name(enum pmemset_part_state state)
{
	return lp_state_name(state);
}

/* the global arg of lua5.4: arg[0] the script, arg[1..] its arguments */
static void
set_arg_table(lua_State *L, const char *script, int argc, char *const argv[])
{
	lua_createtable(L, argc, 1);
	lua_pushstring(L, script);
	lua_rawseti(L, -2, 0);
	for (int i = 0; i < argc; i++) {
		lua_pushstring(L, argv[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setglobal(L, "arg");
}

/* load mode: a sandbox accepts source text only */
static const char *
load_mode(const struct pmemset_lua *host)
{
	return (host->flags & PMEMSET_LUA_SANDBOX) ? "t" : "bt";
}

/* the message of a failed load becomes the host's; pops it */
static int
load_status(struct pmemset_lua *host, int status)
{
	if (status == LUA_OK)
		return 0;
	int ret = host_err(host, PMEMSET_LUA_E_SCRIPT, "%s",
			   lua_tostring(host->L, -1));
	lua_pop(host->L, 1);
	return ret;
}

int
host_load_file(struct pmemset_lua *host, const char *path)
{
	return load_status(host,
			   luaL_loadfilex(host->L, path, load_mode(host)));
}

int
host_load_string(struct pmemset_lua *host, const char *code, const char *name)
{
	return load_status(host, luaL_loadbufferx(host->L, code, strlen(code),
						  name, load_mode(host)));
}

int
pmemset_lua_run_file(struct pmemset_lua *host, const char *path, int argc,
		     char *const argv[])
{
	if (!host)
		return -EINVAL;
	if (!path || argc < 0 || (argc > 0 && !argv))
		return host_err(host, -EINVAL, "run_file: %s",
				!path ? "path is NULL" : "bad argc/argv");
	host_lock(host);
	lua_State *L = host->L;
	set_arg_table(L, path, argc, argv);
	const char *file = strcmp(path, "-") == 0 ? NULL : path;
	int ret = host_load_file(host, file);
	if (!ret) {
		luaL_checkstack(L, argc, "too many script arguments");
		for (int i = 0; i < argc; i++)
			lua_pushstring(L, argv[i]);
		ret = host_pcall(host, argc, 0, NULL);
	}
	host_unlock(host);
	return ret;
}

int
pmemset_lua_run_string(struct pmemset_lua *host, const char *code,
		       const char *name)
{
	if (!host)
		return -EINVAL;
	if (!code)
		return host_err(host, -EINVAL, "run_string: code is NULL");
	if (!name)
		name = "=(string)";
	host_lock(host);
	int ret = host_load_string(host, code, name);
	if (!ret)
		ret = host_pcall(host, 0, 0, NULL);
	host_unlock(host);
	return ret;
}

/* --- policies --- */

/*
 * runs the loaded chunk at the top; its table, checked by the module's
 * layout.check_policy, becomes the current policy
 */
static int
run_policy_chunk(struct pmemset_lua *host, const char *name)
{
	lua_State *L = host->L;
	int ret = host_pcall(host, 0, 1, NULL);
	if (ret)
		return ret;
	int t = lua_gettop(L);
	lua_getfield(L, LUA_REGISTRYINDEX, HOST_LAYOUT_KEY);
	lua_getfield(L, t + 1, "check_policy");
	lua_pushvalue(L, t);
	ret = host_pcall(host, 1, 1, name);
	if (!ret && lua_rawlen(L, t + 2) > 0) {
		lua_getfield(L, t + 1, "format_problems");
		lua_insert(L, t + 2);
		lua_call(L, 1, 1);
		ret = host_err(host, PMEMSET_LUA_E_INVALID_SCRIPT, "%s: %s",
			       name, lua_tostring(L, t + 2));
	}
	if (ret) {
		lua_settop(L, t - 1);
		return ret;
	}
	lua_settop(L, t);
	luaL_unref(L, LUA_REGISTRYINDEX, host->policy_ref);
	host->policy_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	return 0;
}

int
pmemset_lua_load_policy(struct pmemset_lua *host, const char *path)
{
	if (!host)
		return -EINVAL;
	if (!path)
		return host_err(host, -EINVAL, "load_policy: path is NULL");
	host_lock(host);
	int ret = host_load_file(host, path);
	if (!ret)
		ret = run_policy_chunk(host, path);
	host_unlock(host);
	return ret;
}

int
pmemset_lua_load_policy_string(struct pmemset_lua *host, const char *code,
			       const char *name)
{
	if (!host)
		return -EINVAL;
	if (!code)
		return host_err(host, -EINVAL,
				"load_policy_string: code is NULL");
	if (!name)
		name = "=(policy)";
	host_lock(host);
	int ret = host_load_string(host, code, name);
	if (!ret)
		ret = run_policy_chunk(host, name[0] == '=' ? name + 1 : name);
	host_unlock(host);
	return ret;
}

/* 1 = the policy table, 2 = the config (a light userdata) */
static int
attach_protected(lua_State *L)
{
	lp_attach(L, 1, lua_touserdata(L, 2));
	return 0;
}

int
pmemset_lua_attach(struct pmemset_lua *host, struct pmemset_config *cfg)
{
	if (!host)
		return -EINVAL;
	if (!cfg)
		return host_err(host, -EINVAL, "attach: config is NULL");
	host_lock(host);
	int ret;
	if (host->policy_ref == LUA_NOREF) {
		ret = host_err(host, PMEMSET_LUA_E_NO_POLICY,
			       "attach: no policy loaded");
	} else {
		lua_State *L = host->L;
		lua_pushcfunction(L, attach_protected);
		lua_rawgeti(L, LUA_REGISTRYINDEX, host->policy_ref);
		lua_pushlightuserdata(L, cfg);
		ret = host_pcall(host, 2, 0, "attach");
	}
	host_unlock(host);
	return ret;
}

/* --- layouts --- */

static const char *
dirname_of(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return ".";
	snprintf(buf, len, "%.*s", (int)(slash - path), path);
	return slash == path ? "/" : buf;
}

/*
 * the layout table at the top -> layout.build(t, {dir = dir}); leaves
 * {set =, parts =, sources =} at the top, or sets the message
 */
static int
build_layout(struct pmemset_lua *host, const char *path)
{
	lua_State *L = host->L;
	char dir[4096];
	lua_getfield(L, LUA_REGISTRYINDEX, HOST_LAYOUT_KEY);
	lua_getfield(L, -1, "build");
	lua_remove(L, -2);
	lua_insert(L, -2);
	lua_createtable(L, 0, 1);
	lua_pushstring(L, dirname_of(path, dir, sizeof(dir)));
	lua_setfield(L, -2, "dir");
	if (lua_pcall(L, 2, 3, 0) != LUA_OK) {
		/* a malformed layout or policy: nothing was touched */
		host_err(host, PMEMSET_LUA_E_INVALID_SCRIPT, "%s: %s", path,
			 lua_tostring(L, -1));
		lua_pop(L, 1);
		return PMEMSET_LUA_E_INVALID_SCRIPT;
	}
	if (lua_isnil(L, -3)) {
		int ret = lp_errcode(lua_tostring(L, -1));
		host_err(host, ret, "%s: %s", path, lua_tostring(L, -2));
		lua_pop(L, 3);
		return ret;
	}
	lua_createtable(L, 0, 3);
	lua_insert(L, -4);
	lua_setfield(L, -4, "sources");
	lua_setfield(L, -3, "parts");
	lua_setfield(L, -2, "set");
	return 0;
}

/* keeps the built layout at the top as a set of the host */
static int
own_layout(struct pmemset_lua *host, struct pmemset **set)
{
	lua_State *L = host->L;
	struct host_set *hs = calloc(1, sizeof(*hs));
	if (!hs) {
		close_layout_top(host);
		return host_err(host, -ENOMEM, "map_layout: out of memory");
	}
	lua_getfield(L, -1, "set");
	hs->set = lp_set_handle(L, -1);
	lua_pop(L, 1);
	hs->ref = luaL_ref(L, LUA_REGISTRYINDEX);
	hs->next = host->sets;
	host->sets = hs;
	*set = hs->set;
	return 0;
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
	int ret = host_load_file(host, path);
	if (!ret)
		ret = host_pcall(host, 0, 1, path);
	if (!ret)
		ret = build_layout(host, path);
	if (!ret)
		ret = own_layout(host, set);
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
	} else { /* a set of an attached config */
		struct pmemset *s = *set;
		pmemset_delete(set);
		track_forget_set(host, s);
	}
	*set = NULL;
	host_unlock(host);
	return 0;
}

/* 1 = the layout table { set, parts, sources } of the host */
static int
report_protected(lua_State *L)
{
	lua_getfield(L, LUA_REGISTRYINDEX, HOST_LAYOUT_KEY);
	lua_getfield(L, -1, "report");
	lua_getfield(L, 1, "set");
	lua_call(L, 1, 1);
	return 1;
}

int
pmemset_lua_push_report(struct pmemset_lua *host, struct pmemset *set)
{
	if (!host)
		return -EINVAL;
	host_lock(host);
	struct host_set *hs = host->sets;
	while (hs && (!set || hs->set != set))
		hs = hs->next;
	int ret;
	if (!hs) {
		ret = host_err(host, -EINVAL,
			       "push_report: not a set of the host's layouts");
	} else {
		lua_pushcfunction(host->L, report_protected);
		lua_rawgeti(host->L, LUA_REGISTRYINDEX, hs->ref);
		ret = host_pcall(host, 1, 1, "push_report");
	}
	host_unlock(host);
	return ret;
}
