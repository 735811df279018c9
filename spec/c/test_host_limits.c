/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_host_limits.c -- runaway scripts in every place the host enters Lua
 * (a script, a policy load, a layout, a handler, a state policy, a
 * tracker, xpcall's message handler; a finalizer is refused) and memory
 * bombs: each is stopped with
 * PMEMSET_LUA_E_LIMIT and a message naming the limit and where, a script's
 * own pcall cannot swallow the stop, and the host works afterwards.
 */

#include <libpmem2.h>
#include <pmemset_emu.h>
#include <pmemset_ext.h>
#include <pmemset_lua.h>

#include "ut_host.h"

static struct pmemset_lua *
limited(uint64_t instructions, uint64_t ms, size_t memory)
{
	struct pmemset_lua *host;
	UT_OK(pmemset_lua_new(&host, PMEMSET_LUA_SANDBOX));
	struct pmemset_lua_limits l = { instructions, ms, memory };
	UT_OK(pmemset_lua_set_limits(host, &l));
	return host;
}

static void
expect_limit(struct pmemset_lua *host, int ret, const char *what,
	     const char *want)
{
	if (ret != PMEMSET_LUA_E_LIMIT)
		UT_FAIL("%s returned %d (%s), expected PMEMSET_LUA_E_LIMIT",
			what, ret, pmemset_lua_errormsg(host));
	if (!strstr(pmemset_lua_errormsg(host), want))
		UT_FAIL("%s: message '%s' lacks '%s'", what,
			pmemset_lua_errormsg(host), want);
}

static void
stopped(struct pmemset_lua *host, const char *code, const char *want)
{
	expect_limit(host, pmemset_lua_run_string(host, code, "=runaway"), code,
		     want);
	/* the next call runs afresh */
	UT_OK(pmemset_lua_run_string(host,
				     "local n = 0 for i = 1, 1000 do "
				     "n = n + i end assert(n == 500500)",
				     NULL));
}

static void
defaults(void)
{
	struct pmemset_lua *host;
	struct pmemset_lua_limits l;
	UT_OK(pmemset_lua_new(&host, PMEMSET_LUA_SANDBOX));
	UT_OK(pmemset_lua_get_limits(host, &l));
	UT_ASSERTeq(l.max_instructions, PMEMSET_LUA_DEFAULT_MAX_INSTRUCTIONS);
	UT_ASSERTeq(l.timeout_ms, PMEMSET_LUA_DEFAULT_TIMEOUT_MS);
	UT_ASSERTeq(l.max_memory, PMEMSET_LUA_DEFAULT_MAX_MEMORY);
	/* below what the interpreter already holds */
	l.max_memory = 1024;
	UT_ASSERTeq(pmemset_lua_set_limits(host, &l), -EINVAL);
	UT_ASSERT(strstr(pmemset_lua_errormsg(host), "max_memory"));
	UT_ASSERTeq(pmemset_lua_get_limits(host, NULL), -EINVAL);
	UT_ASSERTeq(pmemset_lua_set_limits(NULL, &l), -EINVAL);
	UT_OK(pmemset_lua_set_limits(host, NULL)); /* none */
	UT_OK(pmemset_lua_get_limits(host, &l));
	UT_ASSERTeq(l.max_instructions, 0);
	pmemset_lua_delete(&host);

	UT_OK(pmemset_lua_new(&host, 0));
	UT_OK(pmemset_lua_get_limits(host, &l));
	UT_ASSERTeq(l.max_instructions, 0);
	UT_ASSERTeq(l.timeout_ms, 0);
	UT_ASSERTeq(l.max_memory, 0);
	pmemset_lua_delete(&host);
}

static void
runaway_scripts(void)
{
	struct pmemset_lua *host = limited(1000000, 0, 0);
	stopped(host, "while true do end",
		"instruction limit (1000000) exceeded at runaway:1");
	/* pcall cannot swallow it, nor an error handler, nor a coroutine */
	stopped(host,
		"while true do pcall(function() while true do end end) "
		"end",
		"instruction limit");
	stopped(host,
		"local function h() while true do end end\n"
		"while true do xpcall(function() error('x') end, h) end",
		"instruction limit");
	stopped(host,
		"local co = coroutine.wrap(function() while true do end end)\n"
		"while true do pcall(co) end",
		"instruction limit");
	/* the script returned after catching the stop: still a stop */
	stopped(host, "pcall(function() while true do end end)",
		"instruction limit");
	pmemset_lua_delete(&host);

	host = limited(0, 20, 0);
	stopped(host, "while true do end", "time limit (20 ms) exceeded");
	stopped(host,
		"while true do pcall(function() while true do end end) "
		"end",
		"time limit");
	pmemset_lua_delete(&host);
}

static void
memory_bombs(void)
{
	struct pmemset_lua *host = limited(0, 0, 8 << 20);
	stopped(host,
		"local t = {} for i = 1, math.maxinteger do t[i] = {} end",
		"memory limit (8388608 bytes) exceeded");
	stopped(host, "local s = string.rep('x', 100 << 20)", "memory limit");
	stopped(host,
		"local t = {}\n"
		"while true do pcall(function()\n"
		"  t[#t + 1] = string.rep('y', 4096) .. #t end) end",
		"memory limit");
	stopped(host, "local s = 'z' while true do s = s .. s end",
		"memory limit");
	/* the keys a script keeps count too */
	stopped(host,
		"local v = ('k'):rep(1000)\n"
		"for i = 1, math.maxinteger do host.set('bomb.' .. i, v) end",
		"memory limit (8388608 bytes) exceeded");
	pmemset_lua_delete(&host);
}

static void
runaway_policy_and_layout(void)
{
	struct pmemset_lua *host = limited(100000, 0, 0);
	expect_limit(host,
		     pmemset_lua_load_policy_string(host, "while true do end",
						    "=policy"),
		     "load_policy", "instruction limit");
	const char *layout = ut_path("layout.lua");
	FILE *f = fopen(layout, "w");
	UT_ASSERT(f != NULL);
	fputs("while true do end\n", f);
	fclose(f);
	struct pmemset *set;
	expect_limit(host, pmemset_lua_map_layout(host, layout, &set),
		     "map_layout", "instruction limit");
	UT_ASSERT(set == NULL);
	unlink(layout);
	pmemset_lua_delete(&host);
}

static void
runaway_handler(void)
{
	struct pmemset_lua *host = limited(100000, 0, 0);
	UT_OK(pmemset_lua_load_policy_string(
		host,
		"return { on = { part_add = function()\n"
		"  while true do pcall(function() while true do end end) end\n"
		"end } }",
		"=handler"));
	struct pmemset *set = ut_attached_set(host);
	const char *path = ut_path("pool");
	ut_file(path, 64 * 1024, 'h');
	struct pmemset_source *src;
	UT_OK(pmemset_source_from_file(&src, path));
	/* the core does not honour PART_ADD results: mapped, error kept */
	UT_OK(pmemset_map(set, src, NULL, NULL));
	UT_ASSERT(strstr(pmemset_lua_errormsg(host), "instruction limit"));
	UT_ASSERT(strstr(pmemset_lua_errormsg(host), "part_add"));
	UT_OK(pmemset_lua_run_string(host, "assert(true)", NULL));
	UT_OK(pmemset_lua_delete_set(host, &set));
	pmemset_source_delete(&src);
	unlink(path);
	pmemset_lua_delete(&host);
}

/* where the core honours the result: the map fails, nothing is left */
static void
runaway_badblocks_cleared(void)
{
	const char *dir = ut_path("bbdir");
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		UT_FAIL("mkdir %s", dir);
	char file[4200], desc[4200];
	snprintf(file, sizeof(file), "%s/pool", dir);
	ut_file(file, 64 * 1024, 'a');
	snprintf(desc, sizeof(desc), "%s.emu", dir);
	unlink(desc);
	UT_OK(pmemset_emu_select(desc));
	UT_OK(pmemset_emu_device_add("dimm-b", 1, dir));
	UT_OK(pmemset_emu_badblock_add(file, 4096, 4096));

	struct pmemset_lua *host = limited(100000, 0, 0);
	UT_OK(pmemset_lua_load_policy_string(
		host,
		"return { on = {\n"
		"  badblock = function(set, ev) assert(set:clear_badblock(ev)) "
		"end,\n"
		"  badblocks_cleared = function()\n"
		"    while true do pcall(function() while true do end end) "
		"end\n"
		"  end,\n"
		"} }\n",
		"=bb"));
	struct pmemset *set = ut_attached_set(host);
	struct pmemset_source *src;
	UT_OK(pmemset_source_from_file(&src, file));
	pmemset_source_set_badblock_detection(src, true);
	int ret = pmemset_map(set, src, NULL, NULL);
	if (ret != PMEMSET_LUA_E_LIMIT && ret != PMEMSET_LUA_E_HANDLER)
		UT_FAIL("map returned %d: %s", ret, pmemset_lua_errormsg(host));
	UT_ASSERT(strstr(pmemset_lua_errormsg(host), "instruction limit"));
	UT_ASSERT(strstr(pmemset_lua_errormsg(host), "badblocks_cleared"));
	UT_ASSERTeq(pmemset_part_map_count(set), 0);
	struct pmemset_lua_value v;
	UT_ASSERTeq(pmemset_lua_get(host, "parts.0.addr", &v),
		    PMEMSET_LUA_E_KEY_NOT_FOUND);
	UT_OK(pmemset_lua_run_string(host, "assert(true)", NULL));
	UT_OK(pmemset_lua_delete_set(host, &set));
	pmemset_source_delete(&src);
	pmemset_lua_delete(&host);
	UT_OK(pmemset_emu_select(NULL));
	unlink(file);
	unlink(desc);
	rmdir(dir);
}

/* a handler of a set the script made with the module */
static void
runaway_module_handler(void)
{
	struct pmemset_lua *host = limited(100000, 0, 0);
	UT_OK(pmemset_lua_allow_path(host, ut_dir(), PMEMSET_LUA_ALLOW_CREATE));
	char code[8192];
	snprintf(code, sizeof(code),
		 "local pm = require 'pmemset'\n"
		 "local src = assert(pm.source.temporary('%s'))\n"
		 "local set = assert(pm.new { granularity = 'page', on = {\n"
		 "  part_add = function()\n"
		 "    pcall(function() while true do end end)\n"
		 "  end } })\n"
		 "pcall(set.map, set, src, { length = '64K' })\n"
		 "set:close() src:close()\n",
		 ut_dir());
	expect_limit(host, pmemset_lua_run_string(host, code, "=module"),
		     "module handler", "instruction limit");
	UT_OK(pmemset_lua_run_string(host, "assert(true)", NULL));
	pmemset_lua_delete(&host);
}

static void
runaway_state_policy(void)
{
	const char *dir = ut_path("sdsdir");
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		UT_FAIL("mkdir %s", dir);
	char file[4200], desc[4200];
	snprintf(file, sizeof(file), "%s/pool", dir);
	ut_file(file, 64 * 1024, 0);
	snprintf(desc, sizeof(desc), "%s.emu", dir);
	unlink(desc);
	UT_OK(pmemset_emu_select(desc));
	UT_OK(pmemset_emu_device_add("dimm-l", 3, dir));

	struct pmemset_lua *host = limited(100000, 0, 0);
	UT_OK(pmemset_lua_load_policy_string(
		host,
		"return { acceptable_states = function()\n"
		"  while true do end\n"
		"end }",
		"=states"));
	struct pmemset *set = ut_attached_set(host);
	struct pmemset_source *src;
	UT_OK(pmemset_source_from_file(&src, file));
	struct pmemset_sds sds = PMEMSET_SDS_INITIALIZE();
	strcpy(sds.id, "dimm-l");
	sds.usc = 3;
	enum pmemset_part_state state = 0;
	UT_OK(pmemset_source_set_sds(src, &sds, &state));
	/* the core honours the decision: a refusal, nothing mapped */
	UT_ASSERTeq(pmemset_map(set, src, NULL, NULL),
		    PMEMSET_E_UNDESIRABLE_PART_STATE);
	UT_ASSERT(strstr(pmemset_errormsg(), "instruction limit"));
	UT_ASSERTeq(pmemset_part_map_count(set), 0);
	UT_OK(pmemset_lua_run_string(host, "assert(true)", NULL));
	UT_OK(pmemset_lua_delete_set(host, &set));
	pmemset_source_delete(&src);
	pmemset_lua_delete(&host);
	UT_OK(pmemset_emu_select(NULL));
	unlink(file);
	unlink(desc);
	rmdir(dir);
}

static void
runaway_tracker_and_finalizer(void)
{
	struct pmemset_lua *host = limited(100000, 0, 0);
	UT_OK(pmemset_lua_run_string(
		host,
		"host.track('app.', { 'add', 'prefix' }, function()\n"
		"  while true do end\n"
		"end)\n"
		"assert(not pcall(setmetatable, {}, { __gc = function()\n"
		"  while true do end end }))\n"
		"assert(not pcall(setmetatable, {}, { __close = function()\n"
		"  while true do end end }))\n",
		"=trap"));
	UT_OK(pmemset_lua_set_u64(host, "app.x", 1));
	UT_ASSERT(strstr(pmemset_lua_errormsg(host), "tracker"));
	UT_ASSERT(strstr(pmemset_lua_errormsg(host), "instruction limit"));
	/* a finalizer would run with hooks off: the sandbox refuses it */
	pmemset_lua_delete(&host);
	UT_ASSERT(host == NULL);
}

int
main(void)
{
	UT_RUN(defaults);
	UT_RUN(runaway_scripts);
	UT_RUN(memory_bombs);
	UT_RUN(runaway_policy_and_layout);
	UT_RUN(runaway_handler);
	UT_RUN(runaway_badblocks_cleared);
	UT_RUN(runaway_module_handler);
	UT_RUN(runaway_state_policy);
	UT_RUN(runaway_tracker_and_finalizer);
	return 0;
}
