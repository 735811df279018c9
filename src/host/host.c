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

/* the host's message and code for a failed protected call (error on top) */
static int
failure(struct pmemset_lua *host, int status, const char *what)
{
	const char *sep = what ? ": " : "";
	what = what ? what : "";
	if (host->lim.hit)
		return host_err(host, PMEMSET_LUA_E_LIMIT, "%s%s%s", what, sep,
				limits_message(&host->lim));
	if (status == LUA_ERRMEM || status == LUA_ERRERR || host->lim.c_oom)
		return host_err(host, -ENOMEM, "%s%sout of memory", what, sep);
	/* no conversion: it could allocate outside a protected call */
	const char *msg = lua_type(host->L, -1) == LUA_TSTRING
				  ? lua_tostring(host->L, -1)
				  : "(error object is not a string)";
	return host_err(host, PMEMSET_LUA_E_SCRIPT, "%s%s%s", what, sep, msg);
}

int
host_pcall(struct pmemset_lua *host, int nargs, int nresults, const char *what)
{
	lua_State *L = host->L;
	int base = lua_gettop(L) - nargs;
	lua_pushcfunction(L, traceback);
	lua_insert(L, base);
	limits_enter(&host->lim, L);
	int status = lua_pcall(L, nargs, nresults, base);
	lua_remove(L, base);
	int ret = 0;
	if (status != LUA_OK) {
		ret = failure(host, status, what);
		lua_pop(L, 1);
	} else if (host->lim.hit) {
		/* the script caught the stop and returned: still a stop */
		ret = failure(host, status, what);
		lua_settop(L, base - 1);
	}
	limits_leave(&host->lim, L);
	return ret;
}

struct protected_call {
	struct pmemset_lua *host;
	int (*fn)(struct pmemset_lua *host, void *arg);
	void *arg;
	int ret;
};

static int
trampoline(lua_State *L)
{
	struct protected_call *c = lua_touserdata(L, 1);
	lua_pop(L, 1);
	c->ret = c->fn(c->host, c->arg);
	return 0;
}

int
host_protect(struct pmemset_lua *host,
	     int (*fn)(struct pmemset_lua *host, void *arg), void *arg,
	     const char *what)
{
	lua_State *L = host->L;
	if (!lua_checkstack(L, 2))
		return host_err(host, -ENOMEM, "%s: out of memory", what);
	struct protected_call c = { host, fn, arg, 0 };
	lua_pushcfunction(L, trampoline);
	lua_pushlightuserdata(L, &c);
	limits_enter(&host->lim, L);
	int status = lua_pcall(L, 1, 0, 0);
	int ret = c.ret;
	if (status != LUA_OK) {
		ret = failure(host, status, what);
		lua_pop(L, 1);
	}
	limits_leave(&host->lim, L);
	return ret;
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
	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, HOST_BINDINGS_KEY);
	return 0;
}

/* its address is the registry key of the message a swallowed stop gets */
static const char stop_key;

/* a handler or state policy run by the module: inside the limits */
static void
entry_begin(void *arg, lua_State *L)
{
	limits_enter(&((struct pmemset_lua *)arg)->lim, L);
}

static int
entry_end(void *arg, lua_State *L, int status)
{
	struct pmemset_lua *host = arg;
	if (host->lim.hit) {
		host_err(host, PMEMSET_LUA_E_LIMIT, "%s",
			 limits_message(&host->lim));
		if (status == LUA_OK) {
			/* caught by the script: an error all the same */
			lua_rawgetp(L, LUA_REGISTRYINDEX, &stop_key);
			status = LUA_ERRRUN;
		}
	}
	limits_leave(&host->lim, L);
	return status;
}

/* everything of a new interpreter that allocates: run protected */
static int
setup(struct pmemset_lua *h, void *arg)
{
	(void)arg;
	lua_State *L = h->L;
	lua_pushlightuserdata(L, h);
	lua_setfield(L, LUA_REGISTRYINDEX, HOST_REGISTRY_KEY);
	lua_pushliteral(L, "stopped by a limit of the host");
	lua_rawsetp(L, LUA_REGISTRYINDEX, &stop_key);
	h->entry = (struct lp_entry_hooks){ entry_begin, entry_end, h };
	lp_entry_register(L, &h->entry);
	luaL_openlibs(L);
	limits_open_lua(L);
	preload_module(L);
	lp_set_observer(L, &h->observer);
	open_module(L);
	host_open_lua(L);
	if (h->flags & PMEMSET_LUA_SANDBOX)
		host_sandbox(h);
	return 0;
}

static const struct pmemset_lua_limits sandbox_limits = {
	.max_instructions = PMEMSET_LUA_DEFAULT_MAX_INSTRUCTIONS,
	.timeout_ms = PMEMSET_LUA_DEFAULT_TIMEOUT_MS,
	.max_memory = PMEMSET_LUA_DEFAULT_MAX_MEMORY,
};

static void
free_host(struct pmemset_lua *h)
{
	pthread_mutex_destroy(&h->lock);
	lp_confinement_fini(&h->confine);
	free(h);
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
	h->L = lua_newstate(limits_alloc, &h->lim);
	if (!h->L) {
		free_host(h);
		return -ENOMEM;
	}
	h->flags = flags;
	h->policy_ref = LUA_NOREF;
	track_init(h);
	ret = host_protect(h, setup, NULL, "pmemset_lua_new");
	if (ret) {
		h->closing = 1;
		track_fini(h);
		lua_close(h->L);
		free_host(h);
		return ret == PMEMSET_LUA_E_LIMIT ? -ENOMEM : ret;
	}
	/* the limits apply from here: the setup above is trusted */
	if (flags & PMEMSET_LUA_SANDBOX)
		h->lim.set = sandbox_limits;
	h->lim.memory_armed = 1;
	limits_install(&h->lim, h->L);
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
	/* the finalizers lua_close runs are an entry into Lua too */
	limits_enter(&h->lim, h->L);
	lua_close(h->L);
	host_unlock(h);
	free_host(h);
	*host = NULL;
}
int
pmemset_lua_set_limits(struct pmemset_lua *host,
		       const struct pmemset_lua_limits *limits)
{
	static const struct pmemset_lua_limits none;
	if (!host)
		return -EINVAL;
	if (!limits)
		limits = &none;
	host_lock(host);
	int ret = 0;
	if (limits->max_memory && limits->max_memory < host->lim.used)
		ret = host_err(host, -EINVAL,
			       "set_limits: max_memory %zu is below the %zu "
			       "bytes the interpreter holds",
			       limits->max_memory, host->lim.used);
	else
		host->lim.set = *limits;
	if (!ret && host->lim.depth == 0) /* else when the entry ends */
		limits_install(&host->lim, host->L);
	host_unlock(host);
	return ret;
}

int
pmemset_lua_get_limits(struct pmemset_lua *host,
		       struct pmemset_lua_limits *limits)
{
	if (!host)
		return -EINVAL;
	if (!limits)
		return host_err(host, -EINVAL, "get_limits: limits is NULL");
	host_lock(host);
	*limits = host->lim.set;
	host_unlock(host);
	return 0;
}

int
pmemset_lua_allow_path(struct pmemset_lua *host, const char *dir,
		       unsigned flags)
{
	if (!host)
		return -EINVAL;
	if (!dir)
		return host_err(host, -EINVAL, "allow_path: dir is NULL");
	if (!flags || (flags & ~PMEMSET_LUA_ALLOW_VALID))
		return host_err(host, -EINVAL,
				"allow_path: flags 0x%x: expected "
				"PMEMSET_LUA_ALLOW_READ and/or "
				"PMEMSET_LUA_ALLOW_CREATE",
				flags);
	unsigned granted = LP_CONFINE_READ;
	if (flags & PMEMSET_LUA_ALLOW_CREATE)
		granted |= LP_CONFINE_CREATE;
	host_lock(host);
	int ret = lp_confinement_add(&host->confine, dir, granted);
	if (ret)
		host_err(host, ret, "allow_path: %s: %s", dir, strerror(-ret));
	host_unlock(host);
	return ret;
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
	host_setglobal(L, "arg");
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
	int code = status == LUA_ERRMEM ? -ENOMEM : PMEMSET_LUA_E_SCRIPT;
	int ret = host_err(host, code, "%s", lua_tostring(host->L, -1));
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

struct run_file {
	const char *path;
	int argc;
	char *const *argv;
};

static int
run_file(struct pmemset_lua *host, void *arg)
{
	const struct run_file *r = arg;
	lua_State *L = host->L;
	set_arg_table(L, r->path, r->argc, r->argv);
	const char *file = strcmp(r->path, "-") == 0 ? NULL : r->path;
	int ret = host_load_file(host, file);
	if (!ret) {
		luaL_checkstack(L, r->argc, "too many script arguments");
		for (int i = 0; i < r->argc; i++)
			lua_pushstring(L, r->argv[i]);
		ret = host_pcall(host, r->argc, 0, NULL);
	}
	return ret;
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
	struct run_file r = { path, argc, argv };
	int ret = host_protect(host, run_file, &r, path);
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

int
host_policy_table(struct pmemset_lua *host, const char *name)
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
	return 0;
}

/* the checked policy of the chunk at the top becomes the current one */
static int
run_policy_chunk(struct pmemset_lua *host, const char *name)
{
	int ret = host_policy_table(host, name);
	if (ret)
		return ret;
	luaL_unref(host->L, LUA_REGISTRYINDEX, host->policy_ref);
	host->policy_ref = luaL_ref(host->L, LUA_REGISTRYINDEX);
	return 0;
}

struct load_args {
	const char *path; /* or */
	const char *code, *name;
};

static int
load_policy(struct pmemset_lua *host, void *arg)
{
	const struct load_args *a = arg;
	if (!a->code) {
		int ret = host_load_file(host, a->path);
		return ret ? ret : run_policy_chunk(host, a->path);
	}
	int ret = host_load_string(host, a->code, a->name);
	const char *name = a->name[0] == '=' ? a->name + 1 : a->name;
	return ret ? ret : run_policy_chunk(host, name);
}

int
pmemset_lua_load_policy(struct pmemset_lua *host, const char *path)
{
	if (!host)
		return -EINVAL;
	if (!path)
		return host_err(host, -EINVAL, "load_policy: path is NULL");
	host_lock(host);
	struct load_args a = { path, NULL, NULL };
	int ret = host_protect(host, load_policy, &a, path);
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
	struct load_args a = { NULL, code, name };
	int ret = host_protect(host, load_policy, &a, name);
	host_unlock(host);
	return ret;
}

/*
 * 1 = the policy table, 2 = the config (a light userdata); the binding
 * goes into the host's list of bindings, for pmemset_lua_reload_policy
 */
static int
attach_protected(lua_State *L)
{
	lp_attach(L, 1, lua_touserdata(L, 2));
	lua_getfield(L, LUA_REGISTRYINDEX, HOST_BINDINGS_KEY);
	lua_insert(L, -2);
	lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
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
	int status = lua_pcall(L, 2, 3, 0);
	if (status != LUA_OK && (status == LUA_ERRMEM || host->lim.hit)) {
		int ret = failure(host, status, path);
		lua_pop(L, 1);
		return ret;
	}
	if (status != LUA_OK) {
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
	lua_getfield(L, -1, "set");
	struct pmemset *handle = lp_set_handle(L, -1);
	lua_pop(L, 1);
	int ref = luaL_ref(L, LUA_REGISTRYINDEX); /* may raise: first */
	struct host_set *hs = calloc(1, sizeof(*hs));
	if (!hs) {
		lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
		luaL_unref(L, LUA_REGISTRYINDEX, ref);
		close_layout_top(host);
		return host_err(host, -ENOMEM, "map_layout: out of memory");
	}
	hs->set = handle;
	hs->ref = ref;
	hs->next = host->sets;
	host->sets = hs;
	*set = hs->set;
	return 0;
}

struct map_args {
	const char *path;
	struct pmemset **set;
};

/* in protected mode: building allocates, a raise must not abort */
static int
map_layout(struct pmemset_lua *host, void *arg)
{
	const struct map_args *a = arg;
	int ret = host_load_file(host, a->path);
	if (!ret)
		ret = host_pcall(host, 0, 1, a->path);
	if (!ret)
		ret = build_layout(host, a->path);
	if (!ret)
		ret = own_layout(host, a->set);
	return ret;
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
	struct map_args a = { path, set };
	int ret = host_protect(host, map_layout, &a, path);
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
