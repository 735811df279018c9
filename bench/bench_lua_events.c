/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_lua_events.c -- the cost of a subscribed empty Lua handler per
 * event, through the module (a set made by pmemset.new) and through the
 * host (pmemset_lua_attach), against the floor: a bare lua_pcall of an
 * empty Lua function, all measured in the same run.
 *
 *   bench_lua_events [iterations] [dir]
 *
 * Each case times drains (one DRAIN event each, nothing else for page
 * granularity) on a set with one part: set:drain() in a Lua loop for the
 * module, pmemset_drain from C for the host; a case's cost per event is
 * its time minus that of the same loop on the same kind of set without a
 * DRAIN handler. The best of several rounds is kept to damp noise. No
 * thresholds: it prints the figures.
 */

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <lauxlib.h>
#include <libpmem2.h>
#include <pmemset_ext.h>
#include <pmemset_lua.h>

#define ROUNDS 5

static double
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double
time_drains(struct pmemset *set, long n)
{
	double best = 1e300;
	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now_ns();
		for (long i = 0; i < n; i++)
			pmemset_drain(set);
		double t = (now_ns() - t0) / (double)n;
		best = t < best ? t : best;
	}
	return best;
}

/* a bare lua_pcall of an empty Lua function */
static double
time_floor(lua_State *L, long n)
{
	luaL_dostring(L, "function empty_handler() end");
	double best = 1e300;
	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now_ns();
		for (long i = 0; i < n; i++) {
			lua_getglobal(L, "empty_handler");
			lua_pcall(L, 0, 0, 0);
		}
		double t = (now_ns() - t0) / (double)n;
		best = t < best ? t : best;
	}
	return best;
}

static void
die(struct pmemset_lua *host, const char *what)
{
	fprintf(stderr, "bench_lua_events: %s: %s\n", what,
		host ? pmemset_lua_errormsg(host) : pmemset_errormsg());
	exit(1);
}

/* a set made in Lua by pmemset.new with handlers `on`: global bench_set */
static void
module_set(struct pmemset_lua *host, const char *dir, const char *on)
{
	char code[1024];
	snprintf(code, sizeof(code),
		 "local pmemset = require 'pmemset'\n"
		 "bench_set = assert(pmemset.new { granularity = 'page', "
		 "on = %s })\n"
		 "local src = assert(pmemset.source.temporary('%s'))\n"
		 "assert(bench_set:map(src, { length = '64K' }))\n"
		 "src:close()\n",
		 on, dir);
	if (pmemset_lua_run_string(host, code, "=bench"))
		die(host, "module set");
}

/* set:drain() n times in a Lua loop on the module's set */
static double
time_lua_drains(struct pmemset_lua *host, long n)
{
	char code[256];
	snprintf(code, sizeof(code),
		 "local set = bench_set\n"
		 "for _ = 1, %ld do set:drain() end\n",
		 n);
	double best = 1e300;
	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now_ns();
		if (pmemset_lua_run_string(host, code, "=drains"))
			die(host, "drains");
		double t = (now_ns() - t0) / (double)n;
		best = t < best ? t : best;
	}
	return best;
}

static void
close_module_set(struct pmemset_lua *host)
{
	pmemset_lua_run_string(host, "bench_set:close() bench_set = nil",
			       "=bench");
}

/* a set made in C from a config attached to the policy `on` */
static struct pmemset *
host_set(struct pmemset_lua *host, const char *dir, const char *on,
	 struct pmemset_source **src)
{
	char code[512];
	snprintf(code, sizeof(code), "return { on = %s }", on);
	if (pmemset_lua_load_policy_string(host, code, "=bench"))
		die(host, "policy");
	struct pmemset_config *cfg;
	struct pmemset *set;
	struct pmemset_map_config *mc;
	if (pmemset_config_new(&cfg) ||
	    pmemset_config_set_required_store_granularity(
		    cfg, PMEM2_GRANULARITY_PAGE))
		die(NULL, "config");
	if (pmemset_lua_attach(host, cfg))
		die(host, "attach");
	if (pmemset_new(&set, cfg) || pmemset_source_from_temporary(src, dir) ||
	    pmemset_map_config_new(&mc))
		die(NULL, "set");
	pmemset_map_config_set_length(mc, 64 * 1024);
	if (pmemset_map(set, *src, mc, NULL))
		die(NULL, "map");
	pmemset_map_config_delete(&mc);
	pmemset_config_delete(&cfg);
	return set;
}

static void
row(const char *name, double ns, double base, double floor)
{
	printf("%-44s %8.1f ns/call %+8.1f ns/event %+8.1f ns over the "
	       "floor\n",
	       name, ns, ns - base, ns - base - floor);
}

int
main(int argc, char *argv[])
{
	long n = argc > 1 ? atol(argv[1]) : 2000000;
	const char *dir = argc > 2 ? argv[2] : "/tmp";
	struct pmemset_lua *host;
	if (pmemset_lua_new(&host, 0))
		die(NULL, "host");
	lua_State *L = pmemset_lua_state(host);
	const char *none = "{ part_add = function() end }";
	const char *drain = "{ drain = function() end }";

	printf("bench_lua_events: %ld iterations, best of %d rounds (CPU "
	       "time)\n",
	       n, ROUNDS);
	double floor = time_floor(L, n);
	printf("%-44s %8.1f ns/call\n",
	       "floor: bare lua_pcall of an empty "
	       "function",
	       floor);

	module_set(host, dir, none);
	double mbase = time_lua_drains(host, n);
	close_module_set(host);
	module_set(host, dir, drain);
	double module = time_lua_drains(host, n);
	close_module_set(host);
	printf("%-44s %8.1f ns/call\n",
	       "module: set:drain(), unsubscribed kind", mbase);
	row("module: set:drain(), subscribed empty handler", module, mbase,
	    floor);

	struct pmemset_source *src;
	struct pmemset *set = host_set(host, dir, none, &src);
	double hbase = time_drains(set, n);
	pmemset_lua_delete_set(host, &set);
	pmemset_source_delete(&src);
	set = host_set(host, dir, drain, &src);
	double hosted = time_drains(set, n);
	pmemset_lua_delete_set(host, &set);
	pmemset_source_delete(&src);
	printf("%-44s %8.1f ns/call\n",
	       "host: pmemset_drain, unsubscribed kind", hbase);
	row("host: pmemset_drain, subscribed empty handler", hosted, hbase,
	    floor);
	pmemset_lua_delete(&host);
	return 0;
}
