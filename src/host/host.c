/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * host.c -- the host object: creation with the pmemset module preloaded,
 * the lock, error messages, running scripts, and teardown.
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
	keys_init(&h->keys, h);

	lua_State *L = h->L;
	lua_pushlightuserdata(L, h);
	lua_setfield(L, LUA_REGISTRYINDEX, HOST_REGISTRY_KEY);
	luaL_openlibs(L);
	preload_module(L);
	events_open_lua(L);
	host_open_lua(L);
	if (flags & PMEMSET_LUA_SANDBOX)
		host_sandbox(L);
	*host = h;
	return 0;
}

void
pmemset_lua_delete(struct pmemset_lua **host)
{
	if (!host || !*host)
		return;
	struct pmemset_lua *h = *host;
	host_lock(h);
	layout_delete_all(h);
	keys_fini(&h->keys); /* releases the Lua trackers: before lua_close */
	lua_close(h->L);
	policy_free_bindings(h);
	free(h->parts);
	free(h->state_path);
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

void
pmemset_lua_set_event_observer(struct pmemset_lua *host,
			       pmemset_lua_event_observer *observer, void *arg)
{
	if (!host)
		return;
	host_lock(host);
	host->observer = observer;
	host->observer_arg = arg;
	host_unlock(host);
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
