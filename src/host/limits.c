/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * limits.c -- instruction budget, deadline and memory cap of the host.
 *
 * The count hook runs every HOOK_PERIOD instructions of any thread of the
 * interpreter (lua_newthread copies the hook, so coroutines carry it). Once
 * a limit stopped the script, the hook of the thread that sees it is set to
 * run at every instruction and raises again each time: a script's pcall
 * may catch the first error, but the next instruction raises anew, until
 * the outermost entry returns to C (as Redis's script timeout does).
 *
 * The allocator refuses growth past the cap and only then: Lua assumes a
 * shrink never fails. Sums are checked before they are made, so no size
 * can wrap the count. A refusal is a Lua memory error the script could
 * catch; it also records the stop, so the hook raises it again.
 *
 * Lua runs a message handler of an error raised by a hook, every
 * finalizer (__gc), and the __close of a coroutine that a hook's error
 * killed, with hooks off. So xpcall is replaced by one whose handler is
 * skipped once a limit stopped the script, and the sandbox refuses
 * metatables with __gc or __close (sandbox.c); in an unsandboxed host
 * those two are not bounded.
 *
 * A count hook costs: with one set, Lua 5.4 takes its slow path (a trap
 * check) at every instruction, about twice the time of a tight loop. So
 * the hook is there only while the host has a limit; coroutines created
 * while there was none do not get it when limits are set later.
 *
 * A count hook cannot interrupt one long C call (string.rep of a huge
 * count, a sort of a huge table): the memory cap bounds those that
 * allocate, the deadline is checked when the call returns.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "host_limits.h"

#define HOOK_PERIOD 1000

uint64_t host_alloc_fail_at;
uint64_t host_alloc_fail_span;
uint64_t host_alloc_count;

static int
injected_failure(void)
{
	if (!host_alloc_fail_at)
		return 0;
	uint64_t n = ++host_alloc_count;
	if (n < host_alloc_fail_at)
		return 0;
	return !host_alloc_fail_span ||
	       n - host_alloc_fail_at < host_alloc_fail_span;
}

void *
limits_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct host_limits *lim = ud;
	size_t old = ptr ? osize : 0; /* without ptr, osize is a type tag */
	if (nsize == 0) {
		free(ptr);
		lim->used -= old;
		return NULL;
	}
	if (nsize > old) {
		size_t grow = nsize - old;
		size_t cap = lim->set.max_memory;
		if (lim->memory_armed && cap &&
		    (grow > cap || lim->used > cap - grow)) {
			if (!lim->hit) {
				lim->hit = LIMIT_MEMORY;
				lim->located = 0;
				snprintf(lim->msg, sizeof(lim->msg),
					 "memory limit (%zu bytes) exceeded",
					 cap);
			}
			return NULL;
		}
		if (injected_failure())
			return NULL;
	}
	void *p = realloc(ptr, nsize);
	if (!p)
		return NULL;
	lim->used = lim->used - old + nsize;
	return p;
}

static int
any_limit(const struct host_limits *lim)
{
	const struct pmemset_lua_limits *s = &lim->set;
	return s->max_instructions || s->timeout_ms || s->max_memory;
}

static struct host_limits *
limits_of(lua_State *L)
{
	void *ud;
	lua_getallocf(L, &ud);
	return ud;
}

static int
past(const struct timespec *deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline->tv_sec ||
	       (now.tv_sec == deadline->tv_sec &&
		now.tv_nsec >= deadline->tv_nsec);
}

/* the limit this hook finds exceeded, its message written */
static enum limit_kind
check(struct host_limits *lim, int period)
{
	lim->count += (uint64_t)period;
	const struct pmemset_lua_limits *s = &lim->set;
	if (s->max_instructions && lim->count > s->max_instructions) {
		snprintf(lim->msg, sizeof(lim->msg),
			 "instruction limit (%llu) exceeded",
			 (unsigned long long)s->max_instructions);
		return LIMIT_INSTRUCTIONS;
	}
	if (s->timeout_ms && past(&lim->deadline)) {
		snprintf(lim->msg, sizeof(lim->msg),
			 "time limit (%llu ms) exceeded",
			 (unsigned long long)s->timeout_ms);
		return LIMIT_TIME;
	}
	return LIMIT_NONE;
}

/* appends " at chunk:line" of the running function to the message */
static void
locate(struct host_limits *lim, lua_State *L, lua_Debug *ar)
{
	lim->located = 1;
	if (!lua_getinfo(L, "Sl", ar))
		return;
	size_t len = strlen(lim->msg);
	snprintf(lim->msg + len, sizeof(lim->msg) - len, " at %s:%d",
		 ar->short_src, ar->currentline);
}

static void
hook(lua_State *L, lua_Debug *ar)
{
	struct host_limits *lim = limits_of(L);
	if (!any_limit(lim)) { /* a coroutine made while there were limits */
		lua_sethook(L, NULL, 0, 0);
		return;
	}
	int period = lua_gethookcount(L);
	if (!lim->hit && lim->depth > 0)
		lim->hit = check(lim, period);
	if (!lim->hit || lim->depth == 0) {
		if (period != HOOK_PERIOD) /* left from an earlier stop */
			lua_sethook(L, hook, LUA_MASKCOUNT, HOOK_PERIOD);
		return;
	}
	if (!lim->located)
		locate(lim, L, ar);
	if (period != 1)
		lua_sethook(L, hook, LUA_MASKCOUNT, 1);
	lua_pushstring(L, lim->msg);
	lua_error(L);
}

int
limits_oom_error(lua_State *L, const char *what)
{
	limits_of(L)->c_oom = 1;
	return luaL_error(L, "%s: out of memory", what);
}

void
limits_charge(lua_State *L, size_t held, size_t more)
{
	struct host_limits *lim = limits_of(L);
	size_t cap = lim->set.max_memory;
	if (!lim->memory_armed || !cap)
		return;
	if (held <= cap && more <= cap - held && lim->used <= cap - held - more)
		return;
	if (!lim->hit) {
		lim->hit = LIMIT_MEMORY;
		lim->located = 0;
		snprintf(lim->msg, sizeof(lim->msg),
			 "memory limit (%zu bytes) exceeded", cap);
	}
	luaL_error(L, "%s", lim->msg);
}

void
limits_install(struct host_limits *lim, lua_State *L)
{
	if (any_limit(lim))
		lua_sethook(L, hook, LUA_MASKCOUNT, HOOK_PERIOD);
	else
		lua_sethook(L, NULL, 0, 0);
}

void
limits_enter(struct host_limits *lim, lua_State *L)
{
	(void)L;
	if (lim->depth++ > 0)
		return;
	lim->hit = LIMIT_NONE;
	lim->c_oom = 0;
	lim->located = 0;
	lim->msg[0] = '\0';
	lim->count = 0;
	uint64_t ms = lim->set.timeout_ms;
	if (!ms)
		return; /* no deadline: an entry costs no clock read */
	clock_gettime(CLOCK_MONOTONIC, &lim->deadline);
	if (ms > (uint64_t)INT32_MAX * 1000)
		ms = (uint64_t)INT32_MAX * 1000; /* 68 years is forever */
	lim->deadline.tv_sec += (time_t)(ms / 1000);
	lim->deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (lim->deadline.tv_nsec >= 1000000000L) {
		lim->deadline.tv_sec++;
		lim->deadline.tv_nsec -= 1000000000L;
	}
}

void
limits_leave(struct host_limits *lim, lua_State *L)
{
	if (--lim->depth > 0)
		return;
	/* after a stop the hook runs at every instruction: back to the
	 * normal period (without a stop the hook is as it was installed) */
	if (lim->hit)
		limits_install(lim, L);
}

/* the message handler of xpcall: the script's one, unless stopped */
static int
guarded_handler(lua_State *L)
{
	if (limits_of(L)->hit)
		return 1; /* the stop's message, as it is */
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

/* xpcall(f, msgh, ...) with msgh guarded; upvalue 1: the real xpcall */
static int
guarded_xpcall(lua_State *L)
{
	luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_pushvalue(L, 2);
	lua_pushcclosure(L, guarded_handler, 1);
	lua_replace(L, 2);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

void
limits_open_lua(lua_State *L)
{
	lua_getglobal(L, "xpcall");
	lua_pushcclosure(L, guarded_xpcall, 1);
	lua_setglobal(L, "xpcall");
}
