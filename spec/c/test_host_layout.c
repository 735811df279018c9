/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_host_layout.c -- layouts mapped by the host (parts, sizes, policy
 * lent by a file, failure leaving nothing behind), running scripts with
 * arguments and tracebacks, and the sandbox.
 */

#include <pmemset_ext.h>
#include <pmemset_lua.h>

#include "ut.h"

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		UT_FAIL("fopen %s", path);
	fputs(text, f);
	fclose(f);
}

static int
count_one(const char *key, struct pmemset_lua_value v, void *arg)
{
	(void)key, (void)v;
	++*(size_t *)arg;
	return 0;
}

static size_t
count_keys(struct pmemset_lua *host, const char *prefix)
{
	size_t n = 0;
	UT_OK(pmemset_lua_foreach(host, prefix, count_one, &n));
	return n;
}

static void
layout_maps_parts(void)
{
	const char *a = ut_path("a.pool");
	const char *policy = ut_path("policy.lua");
	const char *layout = ut_path("layout.lua");
	write_text(policy, "adds = 0\n"
			   "return { on = { part_add = function()"
			   " adds = adds + 1 end } }\n");
	char text[8192];
	/* policy is relative to the layout's directory */
	snprintf(text, sizeof(text),
		 "return { policy = '%s', coalescing = 'full',\n"
		 "  parts = {\n"
		 "    { file = '%s', create = 'if_needed', length = '64K',"
		 " mode = '0600' },\n"
		 "    { file = '%s', offset = '64K', length = 65536 },\n"
		 "    { temporary = '%s', length = '8K' },\n"
		 "  } }\n",
		 strrchr(policy, '/') + 1, a, a, ut_dir());
	write_text(layout, text);

	struct pmemset_lua *host;
	UT_OK(pmemset_lua_new(&host, 0));
	struct pmemset *set;
	int ret = pmemset_lua_map_layout(host, layout, &set);
	if (ret)
		UT_FAIL("map_layout: %s", pmemset_lua_errormsg(host));
	UT_ASSERT(set != NULL);
	/* the file was created 0600 and grown for the second part */
	struct stat st;
	UT_OK(stat(a, &st));
	UT_ASSERTeq(st.st_mode & 0777, 0600);
	UT_ASSERTeq(st.st_size, 128 * 1024);
	UT_ASSERTeq(count_keys(host, "parts."), 3 * 3);

	struct pmemset_lua_value v;
	UT_OK(pmemset_lua_get(host, "parts.1.size", &v));
	UT_ASSERTeq(v.u64, 64 * 1024);
	UT_OK(pmemset_lua_get(host, "parts.2.size", &v));
	UT_ASSERTeq(v.u64, 8 * 1024);
	/* write through the mapping of part 1: lands at 64K in the file */
	UT_OK(pmemset_lua_get(host, "parts.1.addr", &v));
	memset((void *)(uintptr_t)v.u64, 'z', 4096);
	UT_OK(pmemset_persist(set, (void *)(uintptr_t)v.u64, 4096));
	char buf[4096];
	ut_file_read(a, buf, sizeof(buf), 64 * 1024);
	UT_ASSERTeq(buf[0], 'z');
	UT_ASSERTeq(buf[4095], 'z');
	UT_OK(pmemset_lua_run_string(host, "assert(adds == 3, adds)", NULL));

	UT_OK(pmemset_lua_delete_set(host, &set));
	UT_ASSERT(set == NULL);
	UT_ASSERTeq(count_keys(host, "parts."), 0);
	pmemset_lua_delete(&host);
}

static void
failed_layout_leaves_nothing(void)
{
	const char *a = ut_path("f.pool");
	const char *layout = ut_path("bad-layout.lua");
	char text[8192];
	/* the second part's file does not exist and may not be created */
	snprintf(text, sizeof(text),
		 "return { parts = {\n"
		 "  { file = '%s', create = 'always', length = '64K' },\n"
		 "  { file = '%s.missing', length = '64K' },\n"
		 "} }\n",
		 a, a);
	write_text(layout, text);
	struct pmemset_lua *host;
	UT_OK(pmemset_lua_new(&host, 0));
	struct pmemset *set = (void *)1;
	int ret = pmemset_lua_map_layout(host, layout, &set);
	UT_ASSERTeq(ret, PMEMSET_E_INVALID_SOURCE_PATH);
	UT_ASSERT(set == NULL);
	const char *msg = pmemset_lua_errormsg(host);
	UT_ASSERT(strstr(msg, "parts[2]") != NULL || strstr(msg, "missing"));
	UT_ASSERTeq(count_keys(host, "parts."), 0);

	/* a bad size names the field */
	write_text(layout, "return { parts = { { temporary = '/tmp',"
			   " length = '12Q' } } }");
	UT_ASSERTeq(pmemset_lua_map_layout(host, layout, &set),
		    PMEMSET_LUA_E_INVALID_SCRIPT);
	UT_ASSERT(strstr(pmemset_lua_errormsg(host), "length") != NULL);
	write_text(layout, "return { parts = { { } } }");
	UT_ASSERTeq(pmemset_lua_map_layout(host, layout, &set),
		    PMEMSET_LUA_E_INVALID_SCRIPT);
	write_text(layout, "return { granularity = 'huge', parts = {} }");
	UT_ASSERTeq(pmemset_lua_map_layout(host, layout, &set),
		    PMEMSET_LUA_E_INVALID_SCRIPT);
	UT_ASSERT(strstr(pmemset_lua_errormsg(host), "granularity"));
	UT_ASSERTeq(pmemset_lua_map_layout(host, "/nonexistent.lua", &set),
		    PMEMSET_LUA_E_SCRIPT);
	UT_ASSERTeq(pmemset_lua_map_layout(host, layout, NULL), -EINVAL);
	pmemset_lua_delete(&host);
}

/* the cases: each message through the host, as the module says it */
static void
host_validation_messages(void)
{
	static const struct {
		const char *parts;
		const char *msg;
	} cases[] = {
		{ "{ { temporary = '/tmp', length = '64K' }, "
		  "{ temporary = '/tmp', lenght = '64K' } }",
		  "parts[2].lenght: unknown field (did you mean \"length\"?)" },
		{ "{ file = 'x' }",
		  "parts: expected a list of parts, found the key \"file\"" },
		{ "{ { file = 'x', temporary = '/tmp' } }",
		  "parts[1]: file and temporary exclude each other" },
		{ "{ { file = 'x', mode = 'rw' } }",
		  "parts[1].mode: expected a file mode" },
		{ "{ { file = 'x', offset = 100 } }",
		  "parts[1].offset: offset 100 is not a multiple of the page "
		  "size" },
		{ "{ { file = 'x', length = '1.5G' } }",
		  "parts[1].length: expected a size, got \"1.5G\"" },
		{ "{ { file = 'x', create = 'sometimes' } }",
		  "parts[1].create: expected one of \"never\", \"always\", "
		  "\"if_needed\", got \"sometimes\"" },
		{ "{}", "parts: empty (a layout maps at least one part)" },
	};
	const char *layout = ut_path("check-layout.lua");
	struct pmemset_lua *host;
	UT_OK(pmemset_lua_new(&host, 0));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[1024];
		snprintf(text, sizeof(text),
			 "return { granularty = 'page', "
			 "parts = %s }",
			 cases[i].parts);
		write_text(layout, text);
		struct pmemset *set;
		int ret = pmemset_lua_map_layout(host, layout, &set);
		const char *msg = pmemset_lua_errormsg(host);
		if (ret != PMEMSET_LUA_E_INVALID_SCRIPT ||
		    !strstr(msg, cases[i].msg) ||
		    !strstr(msg, "layout.granularty: unknown field (did you "
				 "mean \"granularity\"?)") ||
		    strstr(msg, "reservation") /* no stale libpmem2 text */)
			UT_FAIL("case %zu: %d %s", i, ret, msg);
		UT_ASSERT(access("x", F_OK) != 0);
	}
	pmemset_lua_delete(&host);
}

static void
run_file_with_args(void)
{
	const char *script = ut_path("args.lua");
	write_text(script,
		   "local a, b = ...\n"
		   "assert(a == 'one' and b == 'two')\n"
		   "assert(arg[0] == SCRIPT and arg[1] == 'one' and"
		   " arg[2] == 'two' and #arg == 2)\n"
		   "assert(require('pmemset') == package.loaded.pmemset)\n"
		   "done = true\n");
	struct pmemset_lua *host;
	UT_OK(pmemset_lua_new(&host, 0));
	char code[4200];
	snprintf(code, sizeof(code), "SCRIPT = '%s'", script);
	UT_OK(pmemset_lua_run_string(host, code, NULL));
	char *argv[] = { "one", "two" };
	int ret = pmemset_lua_run_file(host, script, 2, argv);
	if (ret)
		UT_FAIL("%s", pmemset_lua_errormsg(host));
	UT_OK(pmemset_lua_run_string(host, "assert(done)", NULL));

	write_text(script, "local function inner() error('deep') end\n"
			   "inner()\n");
	UT_ASSERTeq(pmemset_lua_run_file(host, script, 0, NULL),
		    PMEMSET_LUA_E_SCRIPT);
	const char *msg = pmemset_lua_errormsg(host);
	UT_ASSERT(strstr(msg, "deep") != NULL);
	UT_ASSERT(strstr(msg, "stack traceback") != NULL);
	UT_ASSERT(strstr(msg, "inner") != NULL);
	UT_ASSERTeq(pmemset_lua_run_file(host, "/nonexistent.lua", 0, NULL),
		    PMEMSET_LUA_E_SCRIPT);
	UT_ASSERTeq(pmemset_lua_run_file(host, NULL, 0, NULL), -EINVAL);
	UT_ASSERTeq(pmemset_lua_run_string(host, NULL, NULL), -EINVAL);
	pmemset_lua_delete(&host);
}

static void
sandbox(void)
{
	struct pmemset_lua *host;
	UT_OK(pmemset_lua_new(&host, PMEMSET_LUA_SANDBOX));
	UT_OK(pmemset_lua_run_string(
		host,
		"assert(os.execute == nil and io == nil)\n"
		"assert(package == nil and debug == nil)\n"
		"assert(os.remove == nil and os.exit == nil)\n"
		"assert(string.dump == nil)\n"
		"assert(not pcall(require, 'debug'))\n"
		"assert(load('return 1')() == 1)\n"
		"assert(type(require('pmemset')) == 'table')\n"
		"assert(os.time and host.track)\n",
		"=sandboxed"));
	/* bytecode is refused */
	UT_ASSERTeq(pmemset_lua_run_string(host, "\x1bLua", NULL),
		    PMEMSET_LUA_E_SCRIPT);
	pmemset_lua_delete(&host);

	/* without the sandbox everything is there */
	UT_OK(pmemset_lua_new(&host, 0));
	UT_OK(pmemset_lua_run_string(
		host, "assert(os.execute and io.popen and package.loadlib)",
		NULL));
	pmemset_lua_delete(&host);
}

int
main(void)
{
	UT_RUN(layout_maps_parts);
	UT_RUN(failed_layout_leaves_nothing);
	UT_RUN(host_validation_messages);
	UT_RUN(run_file_with_args);
	UT_RUN(sandbox);
	return 0;
}
