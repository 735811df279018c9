/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * policy.c -- policy scripts: loading and checking the table they return,
 * attaching it to a config (the bindings), and the acceptable-state policy
 * (a list of state names or a Lua function) seen by the core.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "host.h"
#include "lpmemset.h"

const char *
pmemset_lua_state_name(enum pmemset_part_state state)
{
	return lp_state_name(state);
}

static int
is_state_name(const char *name)
{
	for (size_t i = 0; lp_state_names[i]; i++)
		if (strcmp(lp_state_names[i], name) == 0)
			return 1;
	return 0;
}

static int
invalid(struct pmemset_lua *host, const char *name, const char *what)
{
	return host_err(host, PMEMSET_LUA_E_INVALID_SCRIPT, "%s: %s", name,
			what);
}

static int
check_handlers(struct pmemset_lua *host, lua_State *L, int idx,
	       const char *name)
{
	int t = lua_getfield(L, idx, "on_event");
	lua_pop(L, 1);
	if (t != LUA_TNIL && t != LUA_TFUNCTION)
		return invalid(host, name, "on_event is not a function");
	t = lua_getfield(L, idx, "on");
	if (t == LUA_TNIL) {
		lua_pop(L, 1);
		return 0;
	}
	if (t != LUA_TTABLE) {
		lua_pop(L, 1);
		return invalid(host, name, "on is not a table");
	}
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		const char *k = lua_type(L, -2) == LUA_TSTRING
					? lua_tostring(L, -2)
					: NULL;
		int ok = 0;
		for (int ev = 0; k && pmemset_lua_event_name(ev); ev++)
			ok |= strcmp(k, pmemset_lua_event_name(ev)) == 0;
		int fn = lua_type(L, -1) == LUA_TFUNCTION;
		lua_pop(L, 1);
		if (!ok || !fn) {
			lua_pop(L, 2);
			return host_err(host, PMEMSET_LUA_E_INVALID_SCRIPT,
					"%s: on.%s: %s", name, k ? k : "?",
					!ok ? "no such event"
					    : "handler is not a function");
		}
	}
	lua_pop(L, 1);
	return 0;
}

static int
check_states(struct pmemset_lua *host, lua_State *L, int idx, const char *name)
{
	int t = lua_getfield(L, idx, "acceptable_states");
	int ret = 0;
	if (t == LUA_TTABLE) {
		lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
		for (lua_Integer i = 1; i <= n && !ret; i++) {
			lua_rawgeti(L, -1, i);
			const char *s = lua_type(L, -1) == LUA_TSTRING
						? lua_tostring(L, -1)
						: NULL;
			if (!s || !is_state_name(s))
				ret = host_err(host,
					       PMEMSET_LUA_E_INVALID_SCRIPT,
					       "%s: acceptable_states[%d] is "
					       "not a state name",
					       name, (int)i);
			lua_pop(L, 1);
		}
	} else if (t != LUA_TNIL && t != LUA_TFUNCTION) {
		ret = invalid(host, name,
			      "acceptable_states is neither a list nor a "
			      "function");
	}
	lua_pop(L, 1);
	return ret;
}

int
policy_check(struct pmemset_lua *host, int idx, const char *name)
{
	lua_State *L = host->L;
	idx = lua_absindex(L, idx);
	if (!lua_istable(L, idx))
		return invalid(host, name, "the script returned no table");
	int ret = check_handlers(host, L, idx, name);
	if (!ret)
		ret = check_states(host, L, idx, name);
	return ret;
}

/* the loaded chunk at the top -> the policy, kept as the current one */
static int
run_policy_chunk(struct pmemset_lua *host, const char *name)
{
	lua_State *L = host->L;
	int ret = host_pcall(host, 0, 1, NULL);
	if (ret)
		return ret;
	ret = policy_check(host, -1, name);
	if (ret) {
		lua_pop(L, 1);
		return ret;
	}
	luaL_unref(L, LUA_REGISTRYINDEX, host->policy_ref);
	host->policy_ref = luaL_ref(L, LUA_REGISTRYINDEX);
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
				"load_policy_string: code is "
				"NULL");
	if (!name)
		name = "=(policy)";
	host_lock(host);
	struct load_args a = { NULL, code, name };
	int ret = host_protect(host, load_policy, &a, name);
	host_unlock(host);
	return ret;
}

/* --- the acceptable-state policy --- */

/* is state in the list at the top? */
static int
listed(lua_State *L, const char *state)
{
	lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
	for (lua_Integer i = 1; i <= n; i++) {
		lua_rawgeti(L, -1, i);
		int eq = lua_type(L, -1) == LUA_TSTRING &&
			 strcmp(lua_tostring(L, -1), state) == 0;
		lua_pop(L, 1);
		if (eq)
			return 1;
	}
	return 0;
}

/* calls the policy function at the top; 0 accept, 1 refuse (why set) */
static int
call_state_fn(struct pmemset_lua *host, const struct pmemset_state_info *info,
	      const char *state, char *why, size_t why_len)
{
	lua_State *L = host->L;
	lua_pushstring(L, state);
	lp_push_state_info(L, info);
	if (host_pcall(host, 2, 2, "acceptable_states")) {
		snprintf(why, why_len, "policy error: %s", host->errmsg);
		return 1;
	}
	int refuse = !lua_toboolean(L, -2);
	const char *reason = lua_tostring(L, -1);
	if (refuse)
		snprintf(why, why_len, "%s",
			 reason ? reason : "refused by the policy");
	lua_pop(L, 2);
	return refuse;
}

/* remember the state for the PART_ADD that may follow */
static void
remember_state(struct pmemset_lua *host, const struct pmemset_state_info *info)
{
	free(host->state_path);
	host->state_path = info->path ? strdup(info->path) : NULL;
	host->state = info->state;
}

struct state_args {
	struct binding *b;
	const struct pmemset_state_info *info;
	char *why;
	size_t why_len;
};

/* in protected mode; 0 accept, 1 refuse (why set) */
static int
state_decision(struct pmemset_lua *host, void *arg)
{
	const struct state_args *a = arg;
	lua_State *L = host->L;
	const char *state = pmemset_lua_state_name(a->info->state);
	if (!state)
		state = "unknown";
	int refuse = 0; /* attach installs us only with a policy */
	luaL_checkstack(L, 8, "acceptable_states");
	lua_rawgeti(L, LUA_REGISTRYINDEX, a->b->policy_ref);
	int t = lua_getfield(L, -1, "acceptable_states");
	if (t == LUA_TFUNCTION) {
		refuse =
			call_state_fn(host, a->info, state, a->why, a->why_len);
	} else if (t == LUA_TTABLE) {
		refuse = !listed(L, state);
		if (refuse)
			snprintf(a->why, a->why_len,
				 "state %s is not in acceptable_states", state);
	}
	return refuse;
}

int
policy_state_cb(const struct pmemset_state_info *info, char *why,
		size_t why_len, void *arg)
{
	struct binding *b = arg;
	struct pmemset_lua *host = b->host;
	host_lock(host);
	remember_state(host, info);
	struct state_args a = { b, info, why, why_len };
	int refuse =
		host_protect(host, state_decision, &a, "acceptable_states");
	if (refuse < 0) /* the decision itself failed: a refusal */
		snprintf(why, why_len, "policy error: %s", host->errmsg);
	if (refuse)
		host_err(host, PMEMSET_E_UNDESIRABLE_PART_STATE, "%s: %s",
			 info->path ? info->path : "part", why);
	host_unlock(host);
	return refuse != 0;
}

/* --- bindings --- */

static struct binding *
new_binding(struct pmemset_lua *host, int policy_ref)
{
	lua_State *L = host->L;
	lua_rawgeti(L, LUA_REGISTRYINDEX, policy_ref);
	int ref = luaL_ref(L, LUA_REGISTRYINDEX); /* may raise: first */
	struct binding *b = calloc(1, sizeof(*b));
	if (!b) {
		luaL_unref(L, LUA_REGISTRYINDEX, ref);
		return NULL;
	}
	b->host = host;
	b->policy_ref = ref;
	b->next = host->bindings;
	host->bindings = b;
	return b;
}

int
policy_attach(struct pmemset_lua *host, struct pmemset_config *cfg,
	      int policy_ref)
{
	lua_State *L = host->L;
	lua_rawgeti(L, LUA_REGISTRYINDEX, policy_ref);
	uint64_t mask = events_mask(L, -1);
	int has_states = lua_getfield(L, -1, "acceptable_states") != LUA_TNIL;
	lua_pop(L, 2);

	struct binding *b = new_binding(host, policy_ref);
	if (!b)
		return host_err(host, -ENOMEM, "attach: out of memory");
	int ret = pmemset_config_set_event_mask(cfg, mask);
	if (ret) /* cannot happen: events_mask only sets valid bits */
		return host_err(host, ret, "attach: %s", pmemset_errormsg());
	pmemset_config_set_event_callback(cfg, events_callback, b);
	if (has_states)
		pmemset_config_set_state_policy(cfg, policy_state_cb, b);
	return 0;
}

static int
attach(struct pmemset_lua *host, void *cfg)
{
	return policy_attach(host, cfg, host->policy_ref);
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
	if (host->policy_ref == LUA_NOREF)
		ret = host_err(host, PMEMSET_LUA_E_NO_POLICY,
			       "attach: no policy loaded");
	else
		ret = host_protect(host, attach, cfg, "attach");
	host_unlock(host);
	return ret;
}

void
policy_free_bindings(struct pmemset_lua *host)
{
	while (host->bindings) {
		struct binding *b = host->bindings;
		host->bindings = b->next;
		free(b);
	}
}
