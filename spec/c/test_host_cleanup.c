/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_host_cleanup.c -- pmemset_lua_map_layout leaves nothing behind when
 * it fails (files it created, mappings and reservations in
 * /proc/self/maps, tracking keys), 10,000 map_layout + delete_set rounds
 * keep the process's memory bounded, and every example layout maps through
 * the host as it does through the module.
 */

#include <pthread.h>

#include <pmemset_lua.h>

#include "ut.h"

/*
 * A sanitizer's allocator keeps freed memory aside (ASan's quarantine), so
 * RSS says nothing there: the bounds hold in plain builds, and
 * LeakSanitizer looks for leaks in sanitized ones.
 */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MEMORY_BOUNDS 0
#else
#define MEMORY_BOUNDS 1
#endif

/* bytes of address space mapped by this process (/proc/self/maps) */
static size_t
mapped_bytes(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	UT_ASSERT(f != NULL);
	size_t total = 0;
	unsigned long lo, hi;
	char line[4096];
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2)
			total += hi - lo;
	fclose(f);
	return total;
}

static long
rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	UT_ASSERT(f != NULL);
	char line[256];
	long kib = -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static int
count_key(const char *key, struct pmemset_lua_value v, void *arg)
{
	(void)key, (void)v;
	(*(int *)arg)++;
	return 0;
}

static int
nkeys(struct pmemset_lua *host)
{
	int n = 0;
	pmemset_lua_foreach(host, "", count_key, &n);
	return n;
}

static const char *
layout_file(const char *name, const char *text)
{
	const char *path = ut_path(name);
	FILE *f = fopen(path, "w");
	UT_ASSERT(f != NULL);
	fputs(text, f);
	fclose(f);
	return path;
}

static int
exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* each failure: nothing created, mapped, reserved or keyed stays */
static void
failures_undo_everything(void)
{
	struct pmemset_lua *host;
	UT_OK(pmemset_lua_new(&host, 0));
	UT_OK(pmemset_lua_set_u64(host, "app.key", 1));
	const char *a = ut_path("made-a"), *b = ut_path("made-b");
	char text[8192];
	static const char *const tails[] = {
		/* a missing second file */
		"{ file = '%s', create = 'always', length = '64K' },"
		"{ file = '%s.missing', length = '64K' }",
		/* a reservation too small for the second part */
		"{ file = '%s', create = 'always', length = '64K' },"
		"{ file = '%s', create = 'always', length = '1M' }",
		/* an invalid field: nothing touched at all */
		"{ file = '%s', create = 'always', lenght = '64K' },"
		"{ file = '%s', create = 'always' }",
	};
	for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		char parts[4096];
		snprintf(parts, sizeof(parts), tails[i], a, b);
		snprintf(text, sizeof(text),
			 "return { reservation = '512K', coalescing = 'full', "
			 "parts = { %s } }",
			 parts);
		const char *path = layout_file("fail.lua", text);
		struct pmemset *set = (struct pmemset *)1;
		/* a first run warms the interpreter's heap up */
		UT_ASSERT(pmemset_lua_map_layout(host, path, &set) != 0);
		size_t before = mapped_bytes();
		int ret = pmemset_lua_map_layout(host, path, &set);
		if (ret == 0)
			UT_FAIL("case %zu mapped", i);
		UT_ASSERT(set == NULL);
		UT_ASSERT(strstr(pmemset_lua_errormsg(host), "parts[") != NULL);
		UT_ASSERT(!exists(a));
		UT_ASSERT(!exists(b));
		UT_ASSERTeq(nkeys(host), 1); /* app.key only */
		size_t after = mapped_bytes();
		if (MEMORY_BOUNDS && after > before + 256 * 1024) /* 512K rsv */
			UT_FAIL("case %zu: %zu bytes stay mapped", i,
				after - before);
	}
	pmemset_lua_delete(&host);
}

/* 10,000 rounds: address space and RSS stay where they were */
static void
rounds_keep_memory_flat(void)
{
	struct pmemset_lua *host;
	UT_OK(pmemset_lua_new(&host, 0));
	char text[4096];
	snprintf(text, sizeof(text),
		 "return { reservation = '3M', parts = { { temporary = '%s', "
		 "length = '64K' } } }",
		 ut_dir());
	const char *path = layout_file("round.lua", text);
	long rss0 = 0;
	size_t maps0 = 0;
	for (int i = 0; i < 10000; i++) {
		struct pmemset *set;
		if (pmemset_lua_map_layout(host, path, &set))
			UT_FAIL("round %d: %s", i, pmemset_lua_errormsg(host));
		UT_OK(pmemset_lua_delete_set(host, &set));
		if (i == 500) { /* after the interpreter's warm-up */
			rss0 = rss_kib();
			maps0 = mapped_bytes();
		}
	}
	long rss1 = rss_kib();
	size_t maps1 = mapped_bytes();
	if (MEMORY_BOUNDS && rss1 > rss0 + 2048)
		UT_FAIL("RSS grew from %ld to %ld KiB", rss0, rss1);
	if (MEMORY_BOUNDS && maps1 > maps0 + 1024 * 1024)
		UT_FAIL("mappings grew by %zu bytes", maps1 - maps0);
	UT_ASSERTeq(nkeys(host), 0);
	pmemset_lua_delete(&host);
}

/* handlers written for the module run unchanged on an attached config */
static void
handlers_are_portable(void)
{
	struct pmemset_lua *host;
	UT_OK(pmemset_lua_new(&host, 0));
	const char *policy =
		"seen = {}\n"
		"return { on = { part_add = function(set, ev)\n"
		"  assert(getmetatable(set).__name == 'pmemset.set')\n"
		"  assert(tostring(ev):match('^pmemset.event'))\n"
		"  seen[#seen + 1] = ev.type .. ' ' .. ev.len ..\n"
		"    ' ' .. set:granularity()\n"
		"end, sds_update = function(_, ev)\n"
		"  seen[#seen + 1] = 'sds ' .. ev.source:path()\n"
		"end } }\n";
	UT_OK(pmemset_lua_load_policy_string(host, policy, "=policy"));
	struct pmemset_config *cfg;
	struct pmemset *set;
	struct pmemset_source *src;
	UT_OK(pmemset_config_new(&cfg));
	UT_OK(pmemset_config_set_required_store_granularity(
		cfg, PMEM2_GRANULARITY_PAGE));
	UT_OK(pmemset_lua_attach(host, cfg));
	UT_OK(pmemset_new(&set, cfg));
	UT_OK(pmemset_source_from_temporary(&src, ut_dir()));
	struct pmemset_map_config *mc;
	UT_OK(pmemset_map_config_new(&mc));
	pmemset_map_config_set_length(mc, 64 * 1024);
	UT_OK(pmemset_map(set, src, mc, NULL));
	pmemset_map_config_delete(&mc);
	/* the same handlers through pmemset.new */
	char code[2048];
	snprintf(code, sizeof(code),
		 "local pmemset = require 'pmemset'\n"
		 "local policy = load(%s)()\n"
		 "local s = assert(pmemset.new { granularity = 'page', on = "
		 "policy.on })\n"
		 "local src = assert(pmemset.source.temporary('%s'))\n"
		 "assert(s:map(src, { length = '64K' }))\n"
		 "s:close() src:close()\n"
		 "assert(seen[1] == 'part_add 65536 page', seen[1])\n"
		 "assert(seen[2] == 'part_add 65536 page', seen[2])\n",
		 "[[return { on = { part_add = function(set, ev)\n"
		 "  seen[#seen + 1] = ev.type .. ' ' .. ev.len .. ' ' .. "
		 "set:granularity()\nend } }]]",
		 ut_dir());
	UT_OK(pmemset_lua_run_string(host,
				     "assert(seen[1] == 'part_add 65536 page',"
				     " seen[1])",
				     NULL));
	if (pmemset_lua_run_string(host, code, "=portable"))
		UT_FAIL("%s", pmemset_lua_errormsg(host));
	UT_OK(pmemset_lua_delete_set(host, &set));
	pmemset_source_delete(&src);
	pmemset_config_delete(&cfg);
	pmemset_lua_delete(&host);
}

struct drainer {
	struct pmemset *set;
	int n;
};

static void *
drain_loop(void *arg)
{
	struct drainer *d = arg;
	for (int i = 0; i < d->n; i++)
		pmemset_drain(d->set);
	return NULL;
}

/* handlers of an attached config run under the host's lock, whatever
 * thread fires the event */
static void
handlers_of_threads_are_serialised(void)
{
	struct pmemset_lua *host;
	UT_OK(pmemset_lua_new(&host, 0));
	UT_OK(pmemset_lua_load_policy_string(
		host,
		"drains = 0\n"
		"return { on = { drain = function(set, ev)\n"
		"  local n = drains; drains = n + 1\n"
		"  assert(ev.type == 'drain' and set:count() == 1)\n"
		"end } }\n",
		"=threads"));
	struct pmemset_config *cfg;
	struct pmemset *set;
	struct pmemset_source *src;
	struct pmemset_map_config *mc;
	UT_OK(pmemset_config_new(&cfg));
	UT_OK(pmemset_config_set_required_store_granularity(
		cfg, PMEM2_GRANULARITY_PAGE));
	UT_OK(pmemset_lua_attach(host, cfg));
	UT_OK(pmemset_new(&set, cfg));
	UT_OK(pmemset_source_from_temporary(&src, ut_dir()));
	UT_OK(pmemset_map_config_new(&mc));
	pmemset_map_config_set_length(mc, 64 * 1024);
	UT_OK(pmemset_map(set, src, mc, NULL));
	pmemset_map_config_delete(&mc);

	pthread_t t[4];
	struct drainer d = { set, 5000 };
	for (int i = 0; i < 4; i++)
		UT_ASSERTeq(pthread_create(&t[i], NULL, drain_loop, &d), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	UT_OK(pmemset_lua_run_string(host, "assert(drains == 20000, drains)",
				     NULL));
	UT_OK(pmemset_lua_delete_set(host, &set));
	pmemset_source_delete(&src);
	pmemset_config_delete(&cfg);
	pmemset_lua_delete(&host);
}

int
main(void)
{
	UT_RUN(failures_undo_everything);
	UT_RUN(handlers_are_portable);
	UT_RUN(handlers_of_threads_are_serialised);
	UT_RUN(rounds_keep_memory_flat);
	return 0;
}
