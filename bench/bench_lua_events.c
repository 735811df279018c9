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
 * module, pmemset_drain from C for the host. A case's cost per event is
 * its time minus that of the same loop on the same kind of set whose
 * handler is for another kind (part_add): drain is then unsubscribed and
 * never enters Lua. The cases take turns in every round and the best round
 * of each is kept, so a busy machine slows them alike. No thresholds: it
 * prints the figures.
 */

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <lauxlib.h>
#include <libpmem2.h>
#include <pmemset_ext.h>
#include <pmemset_lua.h>

#define ROUNDS 7

enum { FLOOR, MODULE_BASE, MODULE, HOST_BASE, HOST, NCASES };

struct bench {
	struct pmemset_lua *host;
	long n;
	struct pmemset *set[2]; /* host sets: base, subscribed */
	struct pmemset_source *src[2];
	double best[NCASES];
};

static double
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void
die(struct pmemset_lua *host, const char *what)
{
	fprintf(stderr, "bench_lua_events: %s: %s\n", what,
		host ? pmemset_lua_errormsg(host) : pmemset_errormsg());
	exit(1);
}

/* a bare lua_pcall of an empty Lua function */
static void
run_floor(struct bench *b)
{
	lua_State *L = pmemset_lua_state(b->host);
	lua_getglobal(L, "empty_handler");
	for (long i = 0; i < b->n; i++) {
		lua_pushvalue(L, -1);
		lua_pcall(L, 0, 0, 0);
	}
	lua_pop(L, 1);
}

/* set:drain() n times in a Lua loop on bench_sets[k] */
static void
run_module(struct bench *b, int k)
{
	char code[256];
	snprintf(code, sizeof(code),
		 "local set = bench_sets[%d]\n"
		 "for _ = 1, %ld do set:drain() end\n",
		 k + 1, b->n);
	if (pmemset_lua_run_string(b->host, code, "=drains"))
		die(b->host, "drains");
}

static void
run_host(struct bench *b, int k)
{
	for (long i = 0; i < b->n; i++)
		pmemset_drain(b->set[k]);
}

static void
run_case(struct bench *b, int c)
{
	double t0 = now_ns();
	switch (c) {
	case FLOOR:
		run_floor(b);
		break;
	case MODULE_BASE:
	case MODULE:
		run_module(b, c == MODULE);
		break;
	default:
		run_host(b, c == HOST);
		break;
	}
	double t = (now_ns() - t0) / (double)b->n;
	if (t < b->best[c])
		b->best[c] = t;
}

/* two sets made in Lua by pmemset.new: bench_sets[1] base, [2] drain */
static void
module_sets(struct bench *b, const char *dir)
{
	char code[1024];
	snprintf(code, sizeof(code),
		 "local pmemset = require 'pmemset'\n"
		 "function empty_handler() end\n"
		 "bench_sets = {}\n"
		 "for i, on in ipairs { { part_add = function() end },\n"
		 "                      { drain = function() end } } do\n"
		 "  bench_sets[i] = assert(pmemset.new { granularity = 'page',"
		 " on = on })\n"
		 "  local src = assert(pmemset.source.temporary('%s'))\n"
		 "  assert(bench_sets[i]:map(src, { length = '64K' }))\n"
		 "  src:close()\n"
		 "end\n",
		 dir);
	if (pmemset_lua_run_string(b->host, code, "=bench"))
		die(b->host, "module sets");
}

/* a set made in C from a config attached to the policy `on` */
static void
host_set(struct bench *b, int k, const char *dir, const char *on)
{
	char code[512];
	snprintf(code, sizeof(code), "return { on = %s }", on);
	if (pmemset_lua_load_policy_string(b->host, code, "=bench"))
		die(b->host, "policy");
	struct pmemset_config *cfg;
	struct pmemset_map_config *mc;
	if (pmemset_config_new(&cfg) ||
	    pmemset_config_set_required_store_granularity(
		    cfg, PMEM2_GRANULARITY_PAGE))
		die(NULL, "config");
	if (pmemset_lua_attach(b->host, cfg))
		die(b->host, "attach");
	if (pmemset_new(&b->set[k], cfg) ||
	    pmemset_source_from_temporary(&b->src[k], dir) ||
	    pmemset_map_config_new(&mc))
		die(NULL, "set");
	pmemset_map_config_set_length(mc, 64 * 1024);
	if (pmemset_map(b->set[k], b->src[k], mc, NULL))
		die(NULL, "map");
	pmemset_map_config_delete(&mc);
	pmemset_config_delete(&cfg);
}

static void
row(const char *name, double ns, double base, double floor)
{
	printf("%-46s %7.1f ns/call %+7.1f ns/event %+7.1f ns over the "
	       "floor\n",
	       name, ns, ns - base, ns - base - floor);
}

int
main(int argc, char *argv[])
{
	struct bench b = { .n = argc > 1 ? atol(argv[1]) : 2000000 };
	const char *dir = argc > 2 ? argv[2] : "/tmp";
	if (b.n <= 0 || pmemset_lua_new(&b.host, 0))
		die(NULL, "usage: bench_lua_events [iterations] [dir]");
	module_sets(&b, dir);
	host_set(&b, 0, dir, "{ part_add = function() end }");
	host_set(&b, 1, dir, "{ drain = function() end }");
	for (int c = 0; c < NCASES; c++)
		b.best[c] = 1e300;
	for (int r = 0; r < ROUNDS; r++)
		for (int c = 0; c < NCASES; c++)
			run_case(&b, c);

	printf("bench_lua_events: %ld iterations, best of %d interleaved "
	       "rounds (CPU time)\n",
	       b.n, ROUNDS);
	printf("%-46s %7.1f ns/call\n",
	       "floor: bare lua_pcall of an empty function", b.best[FLOOR]);
	printf("%-46s %7.1f ns/call\n", "module: set:drain(), unsubscribed",
	       b.best[MODULE_BASE]);
	row("module: set:drain(), subscribed empty handler", b.best[MODULE],
	    b.best[MODULE_BASE], b.best[FLOOR]);
	printf("%-46s %7.1f ns/call\n", "host: pmemset_drain, unsubscribed",
	       b.best[HOST_BASE]);
	row("host: pmemset_drain, subscribed empty handler", b.best[HOST],
	    b.best[HOST_BASE], b.best[FLOOR]);

	for (int k = 0; k < 2; k++) {
		pmemset_lua_delete_set(b.host, &b.set[k]);
		pmemset_source_delete(&b.src[k]);
	}
	pmemset_lua_delete(&b.host);
	return 0;
}
