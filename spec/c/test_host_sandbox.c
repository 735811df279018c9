/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_host_sandbox.c -- a sandboxed host tried as a hostile operator
 * would: escapes through io, /proc and the environment, bytecode through
 * require and load, file writes and mappings through the pmemset module
 * and layouts, emulated devices, global assignments; and the grants
 * (pmemset_lua_allow_path) that let a policy read its data and a layout
 * create its pools, checked on resolved paths.
 */

#include <libpmem2.h>
#include <lua.h>
#include <pmemset_lua.h>

#include "ut.h"

static char granted[4096], outside[4096];

static struct pmemset_lua *
sandboxed(void)
{
	struct pmemset_lua *host;
	UT_OK(pmemset_lua_new(&host, PMEMSET_LUA_SANDBOX));
	return host;
}

/* code must fail with a message containing want */
static void
refused(struct pmemset_lua *host, const char *code, const char *want)
{
	int ret = pmemset_lua_run_string(host, code, "=attack");
	if (ret != PMEMSET_LUA_E_SCRIPT)
		UT_FAIL("%s: returned %d, expected PMEMSET_LUA_E_SCRIPT", code,
			ret);
	if (!strstr(pmemset_lua_errormsg(host), want))
		UT_FAIL("%s: message '%s' lacks '%s'", code,
			pmemset_lua_errormsg(host), want);
}

static void
ok(struct pmemset_lua *host, const char *code)
{
	if (pmemset_lua_run_string(host, code, "=allowed"))
		UT_FAIL("%s: %s", code, pmemset_lua_errormsg(host));
}

static void
no_io_os_debug_package(void)
{
	struct pmemset_lua *host = sandboxed();
	ok(host, "assert(io == nil and debug == nil and package == nil)\n"
		 "assert(os.getenv == nil and os.execute == nil)\n"
		 "assert(os.remove == nil and os.exit == nil)\n"
		 "assert(string.dump == nil and ('').dump == nil)\n"
		 "assert(rawset == nil and getmetatable('') == nil)\n"
		 "assert(os.time() and os.clock() and os.date('%Y'))\n"
		 "assert(math.max(1, 2) == 2 and utf8.char(65) == 'A')\n"
		 "assert(table.concat({ 'a', 'b' }) == 'ab')\n"
		 "assert(host.get and host.read_file)\n");
	refused(host, "io.open('/etc/passwd')", "global 'io'");
	refused(host, "os.getenv('HOME')", "getenv");
	refused(host, "collectgarbage('stop')", "not allowed");
	pmemset_lua_delete(&host);
}

static void
no_bytecode(void)
{
	struct pmemset_lua *host = sandboxed();
	/* require: only the preloaded pmemset, nothing from a path */
	refused(host, "require 'os'", "not available in the sandbox");
	refused(host, "require 'pmemset.core'", "not available");
	ok(host, "assert(type(require 'pmemset') == 'table')");
	/* load: text only, also with an explicit mode */
	ok(host, "local f, err = load('\\27Lua', 'x', 'b')\n"
		 "assert(f == nil and err:find('binary'), err)\n"
		 "assert(load('return 7')() == 7)");
	UT_ASSERTeq(pmemset_lua_run_string(host, "\x1bLua", NULL),
		    PMEMSET_LUA_E_SCRIPT);
	/* precompiled file in a granted directory: refused as binary */
	char path[4200];
	snprintf(path, sizeof(path), "%s/chunk.luac", granted);
	FILE *f = fopen(path, "wb");
	UT_ASSERT(f != NULL);
	fputs("\x1bLuaT", f);
	fclose(f);
	UT_OK(pmemset_lua_allow_path(host, granted, PMEMSET_LUA_ALLOW_READ));
	char code[4400];
	snprintf(code, sizeof(code),
		 "local f, err = loadfile('%s')\n"
		 "assert(f == nil and err:find('binary'), err)",
		 path);
	ok(host, code);
	unlink(path);
	pmemset_lua_delete(&host);
}

static void
globals_read_only(void)
{
	struct pmemset_lua *host = sandboxed();
	refused(host, "x = 1", "assignment to undeclared global 'x'");
	refused(host, "print = nil", "undeclared global 'print'");
	refused(host, "_G.y = 2", "undeclared global 'y'");
	refused(host, "table.insert(_G, 1)", "undeclared global");
	refused(host, "string.rep = nil", "string.rep is read-only");
	refused(host, "require('pmemset').source = 1", "read-only");
	refused(host, "setmetatable(_G, {})", "protected metatable");
	/* pairs hands out no table behind a proxy */
	ok(host, "for _, t in ipairs { _G, string, require 'pmemset' } do\n"
		 "  local _, s = pairs(t)\n"
		 "  assert(s == t)\n"
		 "end");
	refused(host, "local _, s = pairs(_G) s.leak = 1", "undeclared global");
	refused(host, "local _, s = pairs(string) s.rep = nil",
		"string.rep is read-only");
	ok(host, "assert(x == nil and y == nil and print ~= nil)\n"
		 "local n = 0 for _ in pairs(string) do n = n + 1 end\n"
		 "assert(n > 10)");
	/* C code may still add globals */
	lua_State *L = pmemset_lua_state(host);
	lua_pushinteger(L, 42);
	lua_setglobal(L, "from_c");
	ok(host, "assert(from_c == 42)");
	pmemset_lua_delete(&host);
}

static void
module_confined(void)
{
	struct pmemset_lua *host = sandboxed();
	ok(host, "assert(require('pmemset').emu == nil)");
	refused(host,
		"assert(require('pmemset').source.file('/proc/self/mem'))",
		"/proc/self/mem (resolved: /proc/");
	refused(host,
		"assert(require('pmemset').source.file('/etc/passwd', "
		"{ create = 'always' }))",
		"not under a directory granted for creating");
	refused(host, "assert(require('pmemset').source.temporary('/dev/shm'))",
		"--allow DIR:rw");
	ok(host, "local s, msg, code = require('pmemset').source.file("
		 "'/etc/passwd')\n"
		 "assert(s == nil and code == 'EACCES', code)");
	ok(host, "local f, msg = loadfile('/etc/passwd')\n"
		 "assert(f == nil and msg:find('granted for reading'))");

	char code[16800];
	snprintf(code, sizeof(code),
		 "assert(require('pmemset').source.file('%s/victim', "
		 "{ create = 'always' }))",
		 outside);
	refused(host, code, "victim");

	/* a read grant does not let sources be created or mapped */
	UT_OK(pmemset_lua_allow_path(host, granted, PMEMSET_LUA_ALLOW_READ));
	snprintf(code, sizeof(code),
		 "assert(require('pmemset').source.file('%s/pool', "
		 "{ create = 'always' }))",
		 granted);
	refused(host, code, "granted for creating and mapping");

	/* with a create grant: created and mapped, inside only */
	UT_OK(pmemset_lua_allow_path(host, granted, PMEMSET_LUA_ALLOW_CREATE));
	char pool[4200];
	snprintf(pool, sizeof(pool), "%s/pool", granted);
	ut_file(pool, 64 * 1024, 'z');
	snprintf(code, sizeof(code),
		 "local pm = require 'pmemset'\n"
		 "local src = assert(pm.source.file('%s'))\n"
		 "local set = assert(pm.new { granularity = 'page' })\n"
		 "local part = assert(set:map(src))\n"
		 "assert(part:read(0, 1) == 'z')\n"
		 "set:close() src:close()",
		 pool);
	ok(host, code);
	/* .. out of the granted directory */
	snprintf(code, sizeof(code),
		 "assert(require('pmemset').source.file('%s/../escape', "
		 "{ create = 'always' }))",
		 granted);
	refused(host, code, "escape");
	/* a symlink inside pointing out */
	char link[4200], target[4200];
	snprintf(link, sizeof(link), "%s/link", granted);
	snprintf(target, sizeof(target), "%s/target", outside);
	ut_file(target, 4096, 't');
	unlink(link);
	UT_ASSERTeq(symlink(target, link), 0);
	snprintf(code, sizeof(code),
		 "assert(require('pmemset').source.file('%s', "
		 "{ create = 'always' }))",
		 link);
	refused(host, code, "resolved");
	UT_ASSERTeq(ut_file_size(target), 4096); /* not truncated */
	/* a dangling symlink would create its target */
	unlink(target);
	refused(host, code, "cannot resolve");
	UT_ASSERTeq(access(target, F_OK), -1);
	unlink(link);
	pmemset_lua_delete(&host);
}

static void
confined_reading(void)
{
	struct pmemset_lua *host = sandboxed();
	char data[4200], code[16800];
	snprintf(data, sizeof(data), "%s/free.map", granted);
	FILE *f = fopen(data, "w");
	UT_ASSERT(f != NULL);
	fputs("return { [4096] = 8192 }\n", f);
	fclose(f);
	snprintf(code, sizeof(code), "return host.read_file('%s')", data);
	refused(host, code, "not under a directory granted for reading");
	refused(host, "return host.read_file('/etc/passwd')", "/etc/passwd");
	refused(host, "return dofile('/etc/passwd')", "granted for reading");

	UT_OK(pmemset_lua_allow_path(host, granted, PMEMSET_LUA_ALLOW_READ));
	snprintf(code, sizeof(code),
		 "assert(host.read_file('%s'):find('8192'))\n"
		 "assert(dofile('%s')[4096] == 8192)\n"
		 "assert(loadfile('%s')()[4096] == 8192)",
		 data, data, data);
	ok(host, code);
	/* a grant of / does not open /proc */
	UT_OK(pmemset_lua_allow_path(host, "/", PMEMSET_LUA_ALLOW_READ));
	refused(host, "return host.read_file('/proc/self/maps')",
		"/proc/self/maps");
	ok(host, "assert(host.read_file('/etc/hostname') or true)");
	unlink(data);
	pmemset_lua_delete(&host);
}

static void
layout_confined(void)
{
	struct pmemset_lua *host = sandboxed();
	char layout[4200], pool[4200];
	snprintf(layout, sizeof(layout), "%s/layout.lua", granted);
	snprintf(pool, sizeof(pool), "%s/lpool", outside);
	unlink(pool);
	FILE *f = fopen(layout, "w");
	UT_ASSERT(f != NULL);
	fprintf(f,
		"return { parts = { { file = '%s', create = 'always', "
		"length = '64K' } } }\n",
		pool);
	fclose(f);
	struct pmemset *set;
	UT_ASSERTeq(pmemset_lua_map_layout(host, layout, &set), -EACCES);
	UT_ASSERT(set == NULL);
	UT_ASSERT(strstr(pmemset_lua_errormsg(host), "lpool") != NULL);
	UT_ASSERT(strstr(pmemset_lua_errormsg(host), "--allow") != NULL);
	UT_ASSERTeq(access(pool, F_OK), -1); /* nothing created */

	/* pmemset.load_layout: confined, and run in the sandbox's globals */
	char code[16800];
	f = fopen(layout, "w");
	UT_ASSERT(f != NULL);
	fprintf(f,
		"return { parts = { { file = io.open('/etc/passwd') } } }\n");
	fclose(f);
	ok(host,
	   "local s, msg = require('pmemset').load_layout('/etc/passwd')\n"
	   "assert(s == nil and msg:find('granted for reading'), msg)");
	UT_OK(pmemset_lua_allow_path(host, granted, PMEMSET_LUA_ALLOW_READ));
	snprintf(code, sizeof(code),
		 "local s, msg = require('pmemset').load_layout('%s')\n"
		 "assert(s == nil and msg:find(\"global 'io'\"), msg)",
		 layout);
	ok(host, code);

	/* a policy lent from outside the grants is not read either */
	f = fopen(layout, "w");
	UT_ASSERT(f != NULL);
	fprintf(f,
		"return { policy = '/etc/passwd', parts = { { temporary = "
		"'%s', length = '64K' } } }\n",
		granted);
	fclose(f);
	UT_ASSERTeq(pmemset_lua_map_layout(host, layout, &set),
		    PMEMSET_LUA_E_INVALID_SCRIPT);
	UT_ASSERT(strstr(pmemset_lua_errormsg(host), "granted for reading"));
	UT_ASSERT(set == NULL);
	unlink(layout);
	pmemset_lua_delete(&host);
}

static void
allow_path_arguments(void)
{
	struct pmemset_lua *host = sandboxed();
	UT_ASSERTeq(pmemset_lua_allow_path(NULL, "/", 1), -EINVAL);
	UT_ASSERTeq(pmemset_lua_allow_path(host, NULL, 1), -EINVAL);
	UT_ASSERT(strstr(pmemset_lua_errormsg(host), "dir is NULL"));
	UT_ASSERTeq(pmemset_lua_allow_path(host, "/", 0), -EINVAL);
	UT_ASSERTeq(pmemset_lua_allow_path(host, "/", 4), -EINVAL);
	UT_ASSERT(strstr(pmemset_lua_errormsg(host), "flags"));
	UT_ASSERTeq(pmemset_lua_allow_path(host, "/no/such/dir", 1), -ENOENT);
	UT_ASSERT(strstr(pmemset_lua_errormsg(host), "/no/such/dir"));
	UT_ASSERTeq(pmemset_lua_allow_path(host, "/etc/hostname", 1), -ENOTDIR);
	pmemset_lua_delete(&host);

	/* an unsandboxed host is not confined */
	UT_OK(pmemset_lua_new(&host, 0));
	ok(host, "assert(io.open and os.getenv)");
	pmemset_lua_delete(&host);
}

static void
make_dir(char *buf, const char *name)
{
	snprintf(buf, 4096, "%s", ut_path(name));
	if (mkdir(buf, 0755) != 0 && errno != EEXIST)
		UT_FAIL("mkdir %s: %s", buf, strerror(errno));
}

int
main(void)
{
	make_dir(granted, "granted");
	make_dir(outside, "outside");
	UT_RUN(no_io_os_debug_package);
	UT_RUN(no_bytecode);
	UT_RUN(globals_read_only);
	UT_RUN(module_confined);
	UT_RUN(confined_reading);
	UT_RUN(layout_confined);
	UT_RUN(allow_path_arguments);
	char pool[4200];
	snprintf(pool, sizeof(pool), "%s/pool", granted);
	unlink(pool);
	rmdir(granted);
	rmdir(outside);
	return 0;
}
