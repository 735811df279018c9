/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_host_oom.c -- the host under memory pressure: a scenario (new, load
 * a policy, a Lua tracker, keys, attach, events into handlers, map and
 * delete a set, map a layout, delete) runs with the Nth allocation of the
 * interpreter failing (with Lua's retry after a collection), for every N;
 * with every allocation failing from the Nth on; and under memory caps
 * from too small to enough. Every host function must return 0, -ENOMEM or
 * PMEMSET_LUA_E_LIMIT with a message (never abort), nothing may leak (ASan
 * runs this test), and once the pressure goes the same host works. Linked
 * with the static host for its allocation seam (host_limits.h).
 */

#include <libpmem2.h>
#include <pmemset_lua.h>

#include "ut.h"

/* the seam of src/host/host_limits.h */
extern uint64_t host_alloc_fail_at;
extern uint64_t host_alloc_fail_span;
extern uint64_t host_alloc_count;

/*
 * The C side: malloc, calloc and strdup of the host (linked statically into
 * this program with --wrap) fail from call c_fail_at on, c_fail_span calls
 * (0: all). realloc is not wrapped: the interpreter's allocator grows and
 * shrinks with it, and Lua assumes a shrink never fails.
 */
static uint64_t c_fail_at, c_fail_span, c_count;

static int
c_fails(void)
{
	if (!c_fail_at)
		return 0;
	uint64_t n = ++c_count;
	return n >= c_fail_at && (!c_fail_span || n - c_fail_at < c_fail_span);
}

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
char *__wrap_strdup(const char *s);

void *
__wrap_malloc(size_t size)
{
	return c_fails() ? NULL : __real_malloc(size);
}

void *
__wrap_calloc(size_t n, size_t size)
{
	return c_fails() ? NULL : __real_calloc(n, size);
}

char *
__wrap_strdup(const char *s)
{
	return c_fails() ? NULL : __real_strdup(s);
}

static const char policy[] =
	"local seen = {}\n"
	"return { on = {\n"
	"  part_add = function(set, ev)\n"
	"    seen[#seen + 1] = ev.type .. ' ' .. ev.len\n"
	"    host.set('seen.' .. #seen, ev.source)\n"
	"  end,\n"
	"  part_remove = function(_, ev) seen[#seen + 1] = ev.type end,\n"
	"} }\n";

static const char tracker[] =
	"count = 0\n"
	"host.track('parts.', { 'add', 'delete', 'prefix' },\n"
	"  function(change, key) count = count + #change + #key end)\n";

static const char *pool, *layout;
static uint64_t n_now;
static const char *mode;
static uint64_t failures; /* clean failures seen (the seam works) */

/* a host function's result under pressure: 0 or a clean failure */
static int
check(struct pmemset_lua *host, int ret, const char *step)
{
	if (ret == 0)
		return 0;
	if (ret != -ENOMEM && ret != PMEMSET_LUA_E_LIMIT)
		UT_FAIL("%s (allocation %llu %s): %d: %s", step,
			(unsigned long long)n_now, mode, ret,
			host ? pmemset_lua_errormsg(host) : "");
	if (host && pmemset_lua_errormsg(host)[0] == '\0')
		UT_FAIL("%s (allocation %llu): no message", step,
			(unsigned long long)n_now);
	failures++;
	return ret;
}

static void
attached_set(struct pmemset_lua *host)
{
	struct pmemset_config *cfg;
	struct pmemset *set;
	UT_OK(pmemset_config_new(&cfg));
	UT_OK(pmemset_config_set_required_store_granularity(
		cfg, PMEM2_GRANULARITY_PAGE));
	if (check(host, pmemset_lua_attach(host, cfg), "attach")) {
		pmemset_config_delete(&cfg);
		return;
	}
	UT_OK(pmemset_new(&set, cfg));
	pmemset_config_delete(&cfg);

	struct pmemset_source *src;
	struct pmemset_map_config *mc;
	struct pmemset_part_descriptor d;
	UT_OK(pmemset_source_from_file(&src, pool));
	UT_OK(pmemset_map_config_new(&mc));
	pmemset_map_config_set_length(mc, 64 * 1024);
	/* the core ignores PART_ADD results: the map itself succeeds */
	UT_OK(pmemset_map(set, src, mc, &d));
	pmemset_map_config_delete(&mc);
	check(host, pmemset_lua_delete_set(host, &set), "delete_set");
	UT_ASSERT(set == NULL);
	UT_OK(pmemset_source_delete(&src));
}

static void
scenario(struct pmemset_lua *host)
{
	int policy_ok = !check(
		host, pmemset_lua_load_policy_string(host, policy, "=policy"),
		"load_policy");
	check(host, pmemset_lua_run_string(host, tracker, "=tracker"),
	      "run_string");
	if (!check(host, pmemset_lua_set_u64(host, "app.x", 1), "set_u64"))
		check(host, pmemset_lua_delete_key(host, "app.x"),
		      "delete_key");
	check(host, pmemset_lua_set_string(host, "app.s", "v"), "set_string");
	if (policy_ok)
		attached_set(host);
	struct pmemset *set = NULL;
	if (!check(host, pmemset_lua_map_layout(host, layout, &set),
		   "map_layout"))
		check(host, pmemset_lua_delete_set(host, &set), "delete_set");
	UT_ASSERT(set == NULL);
}

/* after the pressure: the same host runs scripts and policies */
static void
still_works(struct pmemset_lua *host)
{
	host_alloc_fail_at = 0;
	c_fail_at = 0;
	UT_OK(pmemset_lua_run_string(host, "local t = {} t[1] = ('x'):rep(9)",
				     NULL));
	UT_OK(pmemset_lua_load_policy_string(host, policy, "=again"));
	struct pmemset *set = NULL;
	if (pmemset_lua_map_layout(host, layout, &set))
		UT_FAIL("map_layout after pressure: %s",
			pmemset_lua_errormsg(host));
	UT_OK(pmemset_lua_delete_set(host, &set));
}

/*
 * one run with allocation n failing (and its retry after a collection), or
 * with every allocation from n on failing (rest)
 */
static uint64_t
run(uint64_t n, int rest)
{
	n_now = n;
	host_alloc_count = 0;
	host_alloc_fail_span = rest ? 0 : 2;
	host_alloc_fail_at = n;
	struct pmemset_lua *host = NULL;
	int ret = pmemset_lua_new(&host, 0);
	if (ret) {
		check(NULL, ret, "new");
		UT_ASSERT(host == NULL);
	} else {
		scenario(host);
		still_works(host);
		host_alloc_fail_at = n;
		pmemset_lua_delete(&host);
	}
	uint64_t count = host_alloc_count;
	host_alloc_fail_at = 0;
	return count;
}

static void
every_n(int rest)
{
	mode = rest ? "and all after" : "alone";
	uint64_t n = 1;
	failures = 0;
	/* until the scenario makes fewer allocations than the one failing */
	while (run(n, rest) >= n)
		n++;
	fprintf(stderr, "    %llu runs (%s), %llu clean failures\n",
		(unsigned long long)n, mode, (unsigned long long)failures);
	UT_ASSERT(n > 100);
	UT_ASSERT(failures >= n / 4);
}

static void
nth_allocation_fails(void)
{
	every_n(0);
}

static void
allocations_fail_from_n_on(void)
{
	every_n(1);
}

/* the same scenario under the memory cap, from below what it needs up */
static void
under_memory_cap(void)
{
	mode = "under the cap";
	failures = 0;
	int capped = 0;
	for (size_t cap = 16 << 10; cap <= (256 << 10); cap += 256) {
		struct pmemset_lua *host;
		UT_OK(pmemset_lua_new(&host, 0));
		struct pmemset_lua_limits l = { 0, 0, cap };
		n_now = cap;
		if (pmemset_lua_set_limits(host, &l) == 0) {
			capped++;
			scenario(host);
			UT_OK(pmemset_lua_set_limits(host, NULL));
			still_works(host);
		}
		pmemset_lua_delete(&host);
	}
	fprintf(stderr, "    %d caps, %llu clean failures\n", capped,
		(unsigned long long)failures);
	UT_ASSERT(capped > 100);
	UT_ASSERT(failures > 0);
}

/* one run with the host's C allocations failing from call n */
static uint64_t
run_c(uint64_t n, int rest)
{
	n_now = n;
	c_count = 0;
	c_fail_span = rest ? 0 : 1;
	c_fail_at = n;
	struct pmemset_lua *host = NULL;
	int ret = pmemset_lua_new(&host, 0);
	if (ret) {
		check(NULL, ret, "new");
		UT_ASSERT(host == NULL);
	} else {
		scenario(host);
		still_works(host);
		c_fail_at = n;
		pmemset_lua_delete(&host);
	}
	uint64_t count = c_count;
	c_fail_at = 0;
	return count;
}

static void
c_allocations_fail(void)
{
	for (int rest = 0; rest <= 1; rest++) {
		mode = rest ? "C, and all after" : "C, alone";
		failures = 0;
		uint64_t n = 1;
		while (run_c(n, rest) >= n)
			n++;
		fprintf(stderr, "    %llu runs (%s), %llu clean failures\n",
			(unsigned long long)n, mode,
			(unsigned long long)failures);
		UT_ASSERT(n > 10);
		UT_ASSERT(failures > 0);
	}
}

int
main(void)
{
	pool = ut_path("pool");
	ut_file(pool, 128 * 1024, 'p');
	const char *lpool = ut_path("layout.pool");
	ut_file(lpool, 128 * 1024, 'l');
	layout = ut_path("layout.lua");
	FILE *f = fopen(layout, "w");
	UT_ASSERT(f != NULL);
	fprintf(f,
		"return { granularity = 'page', on = { part_add = "
		"function(_, ev) host.set('layout.len', ev.len) end },\n"
		"  parts = { { file = '%s', length = '64K' } } }\n",
		lpool);
	fclose(f);
	UT_RUN(nth_allocation_fails);
	UT_RUN(allocations_fail_from_n_on);
	UT_RUN(under_memory_cap);
	UT_RUN(c_allocations_fail);
	unlink(pool);
	unlink(lpool);
	unlink(layout);
	return 0;
}
