/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * health.c -- pmemset-lua --health LAYOUT [--policy FILE] [--format json]:
 * one evaluation of the health policy over a layout's pools (the module's
 * pmemset.health_file, lua/pmemset/health.lua), printed for a cluster agent.
 * The policy is FILE's, else the layout's own health function, else the
 * default policy installed with the program (PMEMSET_HEALTH_POLICY,
 * relative to its directory).
 *
 * Standard output carries only the verdict: whatever the layout and policy
 * scripts print goes to standard error, so "verdict: reason" (or the JSON
 * document) is all an agent has to parse.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include <pmemset_lua.h>

#include "health.h"

#define PROGRAM "pmemset-lua"

/* message handler: the error with a traceback */
static int
traceback(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);
	luaL_traceback(L, L, msg ? msg : "(error object is not a string)", 1);
	return 1;
}

/*
 * Calls require("pmemset")[fn] with the nargs arguments on the stack top;
 * leaves nres results, or returns non-zero with the message on the top.
 */
static int
call_module(lua_State *L, const char *module, const char *fn, int nargs,
	    int nres)
{
	int h = lua_gettop(L) - nargs + 1; /* the handler goes below the args */
	lua_pushcfunction(L, traceback);
	lua_insert(L, h);
	lua_getglobal(L, "require");
	lua_pushstring(L, module);
	if (lua_pcall(L, 1, 1, h)) {
		lua_replace(L, h); /* the message, where the handler was */
		lua_settop(L, h);
		return 1;
	}
	lua_getfield(L, -1, fn);
	lua_remove(L, -2); /* the module */
	lua_insert(L, h + 1);
	int ret = lua_pcall(L, nargs, nres, h);
	lua_remove(L, h);
	return ret;
}

/* verdict, reason, report on the stack top -> a JSON document on out */
static int
print_json(lua_State *L, FILE *out)
{
	int top = lua_gettop(L);
	lua_createtable(L, 0, 3);
	lua_pushvalue(L, top - 2);
	lua_setfield(L, -2, "verdict");
	lua_pushvalue(L, top - 1);
	lua_setfield(L, -2, "reason");
	lua_pushvalue(L, top);
	lua_setfield(L, -2, "report");
	if (call_module(L, "pmemset.json", "health", 1, 1)) {
		fprintf(stderr, PROGRAM ": cannot encode the report: %s\n",
			lua_tostring(L, -1));
		return 1;
	}
	fprintf(out, "%s\n", lua_tostring(L, -1));
	return 0;
}

/*
 * pushes the default policy's path: PMEMSET_HEALTH_POLICY is relative to
 * the program's directory, so a moved installation keeps finding it (nil
 * when /proc/self/exe cannot be read)
 */
static void
push_default_policy(lua_State *L)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash = n > 0 ? memrchr(exe, '/', (size_t)n) : NULL;
	if (!slash) {
		lua_pushnil(L);
		return;
	}
	lua_pushlstring(L, exe, (size_t)(slash - exe));
	lua_pushliteral(L, "/" PMEMSET_HEALTH_POLICY);
	lua_concat(L, 2);
}

static int
evaluate(lua_State *L, const char *layout, const char *policy, int json,
	 FILE *out)
{
	lua_pushstring(L, layout);
	if (policy)
		lua_pushstring(L, policy);
	else
		lua_pushnil(L);
	push_default_policy(L);
	if (call_module(L, "pmemset", "health_file", 3, 3)) {
		fprintf(stderr, PROGRAM ": %s\n", lua_tostring(L, -1));
		return 1;
	}
	if (lua_isnil(L, -3)) {
		fprintf(stderr, PROGRAM ": health cannot be determined: %s\n",
			lua_tostring(L, -2));
		return 1;
	}
	if (json)
		return print_json(L, out);
	const char *verdict = lua_tostring(L, -3);
	const char *reason = lua_tostring(L, -2);
	fprintf(out, "%s%s%s\n", verdict, reason ? ": " : "",
		reason ? reason : "");
	return 0;
}

/* keeps standard output for the verdict; scripts' output goes to stderr */
static FILE *
verdict_stream(void)
{
	fflush(stdout);
	int fd = dup(STDOUT_FILENO);
	if (fd < 0)
		return NULL;
	FILE *out = fdopen(fd, "w");
	if (!out || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
		if (out)
			fclose(out);
		else
			close(fd);
		return NULL;
	}
	return out;
}

int
health_run(struct pmemset_lua *host, const char *layout, const char *policy,
	   int json)
{
	FILE *out = verdict_stream();
	if (!out) {
		perror(PROGRAM ": standard output");
		return 1;
	}
	int status =
		evaluate(pmemset_lua_state(host), layout, policy, json, out);
	fflush(stdout);
	if (fclose(out) != 0 && status == 0) {
		perror(PROGRAM ": writing the verdict");
		status = 1;
	}
	return status;
}
