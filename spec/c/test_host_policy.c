/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_host_policy.c -- policies attached to a config: events reach the Lua
 * handlers and the keys, handler errors become results and messages (and
 * abort a map where the core honours the result), state policies in Lua
 * refuse maps on an emulated device, and bad policy scripts are rejected.
 */

#include <libpmem2.h>
#include <pmemset_emu.h>
#include <pmemset_ext.h>
#include <pmemset_lua.h>

#include "ut_host.h"

static struct pmemset_lua *
host_with_policy(const char *code)
{
	struct pmemset_lua *host;
	UT_OK(pmemset_lua_new(&host, 0));
	int ret = pmemset_lua_load_policy_string(host, code, "=policy");
	if (ret)
		UT_FAIL("load_policy: %s", pmemset_lua_errormsg(host));
	return host;
}

static int
map_file(struct pmemset *set, const char *path, size_t len,
	 struct pmemset_source **src, struct pmemset_part_descriptor *d)
{
	struct pmemset_map_config *mc;
	UT_OK(pmemset_source_from_file(src, path));
	UT_OK(pmemset_map_config_new(&mc));
	pmemset_map_config_set_length(mc, len);
	int ret = pmemset_map(set, *src, mc, d);
	pmemset_map_config_delete(&mc);
	return ret;
}

static uint64_t
get_u64(struct pmemset_lua *host, const char *key)
{
	struct pmemset_lua_value v;
	if (pmemset_lua_get(host, key, &v))
		UT_FAIL("no key %s", key);
	UT_ASSERTeq(v.type, PMEMSET_LUA_VALUE_U64);
	return v.u64;
}

static void
events_reach_handlers_and_keys(void)
{
	struct pmemset_lua *host = host_with_policy(
		"seen = {}\n"
		"return { on = {\n"
		"  part_add = function(set, ev)\n"
		"    seen[#seen + 1] = ev.type .. ' ' .. ev.len .. ' ' ..\n"
		"      host.get('parts.0.source')\n"
		"    assert(host.get('parts.0.addr') == ev.addr)\n"
		"    assert(getmetatable(set).__name == 'pmemset.set')\n"
		"  end,\n"
		"  part_remove = function(_, ev)\n"
		"    seen[#seen + 1] = ev.type .. ' ' .. ev.len\n"
		"  end,\n"
		"} }\n");
	const char *path = ut_path("pool");
	ut_file(path, 128 * 1024, 'x');
	struct pmemset *set = ut_attached_set(host);
	struct pmemset_source *src;
	struct pmemset_part_descriptor d;
	UT_OK(map_file(set, path, 64 * 1024, &src, &d));

	UT_ASSERTeq(get_u64(host, "parts.0.addr"), (uintptr_t)d.addr);
	UT_ASSERTeq(get_u64(host, "parts.0.size"), 64 * 1024);
	struct pmemset_lua_value v;
	UT_OK(pmemset_lua_get(host, "parts.0.source", &v));
	UT_ASSERT(strcmp(v.str, path) == 0);

	struct pmemset_part_map *pm;
	pmemset_first_part_map(set, &pm);
	UT_OK(pmemset_remove_part_map(set, &pm));
	UT_ASSERTeq(pmemset_lua_get(host, "parts.0.addr", &v),
		    PMEMSET_LUA_E_KEY_NOT_FOUND);

	char code[512];
	snprintf(code, sizeof(code),
		 "assert(#seen == 2, #seen)\n"
		 "assert(seen[1] == 'part_add 65536 %s', seen[1])\n"
		 "assert(seen[2] == 'part_remove 65536', seen[2])\n",
		 path);
	UT_OK(pmemset_lua_run_string(host, code, NULL));

	/* deleting through the host drops the keys of what is left */
	pmemset_source_delete(&src);
	UT_OK(map_file(set, path, 64 * 1024, &src, &d));
	UT_ASSERTeq(get_u64(host, "parts.1.size"), 64 * 1024);
	UT_OK(pmemset_lua_delete_set(host, &set));
	UT_ASSERT(set == NULL);
	UT_ASSERTeq(pmemset_lua_get(host, "parts.1.size", &v),
		    PMEMSET_LUA_E_KEY_NOT_FOUND);
	pmemset_source_delete(&src);
	pmemset_lua_delete(&host);
}

static struct {
	int n;
	int result[8];
	enum pmemset_event type[8];
} observed;

static void
observe(struct pmemset *set, const struct pmemset_event_context *ctx,
	int result, void *arg)
{
	(void)set, (void)arg;
	observed.type[observed.n] = ctx->type;
	observed.result[observed.n++] = result;
}

static void
handler_error_is_a_message(void)
{
	struct pmemset_lua *host = host_with_policy(
		"return { on_event = function(set, ev)\n"
		"  if ev.type == 'part_add' then error('no thanks') end\n"
		"end }\n");
	pmemset_lua_set_event_observer(host, observe, NULL);
	observed.n = 0;
	const char *path = ut_path("pool");
	ut_file(path, 64 * 1024, 0);
	struct pmemset *set = ut_attached_set(host);
	struct pmemset_source *src;
	/* PART_ADD ignores the result: the map succeeds */
	UT_OK(map_file(set, path, 0, &src, NULL));
	UT_ASSERTeq(observed.n, 1);
	UT_ASSERTeq(observed.type[0], PMEMSET_EVENT_PART_ADD);
	UT_ASSERTeq(observed.result[0], PMEMSET_LUA_E_HANDLER);
	const char *msg = pmemset_lua_errormsg(host);
	UT_ASSERT(strstr(msg, "part_add handler") != NULL);
	UT_ASSERT(strstr(msg, "no thanks") != NULL);
	UT_ASSERT(strstr(msg, "stack traceback") != NULL);
	UT_ASSERTeq(get_u64(host, "parts.0.size"), 64 * 1024);

	/* the host's Lua state is usable afterwards */
	UT_OK(pmemset_lua_run_string(host, "x = 1", NULL));
	UT_OK(pmemset_lua_delete_set(host, &set));
	pmemset_source_delete(&src);
	pmemset_lua_delete(&host);
}

/* an emulated device holding dir, with a bad block in file */
static void
emulate(const char *dir, const char *file, uint64_t usc)
{
	char desc[4096];
	snprintf(desc, sizeof(desc), "%s.emu", dir);
	unlink(desc);
	UT_OK(pmemset_emu_select(desc));
	UT_OK(pmemset_emu_device_add("dimm-t", usc, dir));
	if (file)
		UT_OK(pmemset_emu_badblock_add(file, 4096, 4096));
}

static const char *
scratch_dir(const char *name)
{
	const char *dir = ut_path(name);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		UT_FAIL("mkdir %s", dir);
	return dir;
}

static void
badblocks_cleared_error_aborts_map(void)
{
	const char *dir = scratch_dir("bbdir");
	char file[4200];
	snprintf(file, sizeof(file), "%s/pool", dir);
	ut_file(file, 64 * 1024, 'a');
	emulate(dir, file, 1);

	struct pmemset_lua *host = host_with_policy(
		"return { on = {\n"
		"  badblock = function(set, ev)\n"
		"    assert(set:clear_badblock(ev))\n"
		"  end,\n"
		"  badblocks_cleared = function() error('veto') end,\n"
		"} }\n");
	struct pmemset *set = ut_attached_set(host);
	struct pmemset_source *src;
	UT_OK(pmemset_source_from_file(&src, file));
	pmemset_source_set_badblock_detection(src, true);
	int ret = pmemset_map(set, src, NULL, NULL);
	UT_ASSERTeq(ret, PMEMSET_LUA_E_HANDLER);
	UT_ASSERT(strstr(pmemset_lua_errormsg(host), "veto") != NULL);
	UT_ASSERTeq(pmemset_part_map_count(set), 0);
	struct pmemset_lua_value v;
	UT_ASSERTeq(pmemset_lua_get(host, "parts.0.addr", &v),
		    PMEMSET_LUA_E_KEY_NOT_FOUND);
	/* the block was cleared by the badblock handler: data zeroed */
	char buf[4096];
	ut_file_read(file, buf, sizeof(buf), 4096);
	UT_ASSERTeq(buf[0], 0);
	UT_ASSERTeq(buf[4095], 0);
	ut_file_read(file, buf, sizeof(buf), 0);
	UT_ASSERTeq(buf[0], 'a');

	UT_OK(pmemset_lua_delete_set(host, &set));
	pmemset_source_delete(&src);
	pmemset_lua_delete(&host);
	UT_OK(pmemset_emu_select(NULL));
}

static void
state_policy_refuses_map(void)
{
	const char *dir = scratch_dir("sdsdir");
	char file[4200];
	snprintf(file, sizeof(file), "%s/pool", dir);
	ut_file(file, 64 * 1024, 0);
	emulate(dir, NULL, 7);

	struct pmemset_lua *host = host_with_policy(
		"calls = {}\n"
		"return { acceptable_states = function(state, info)\n"
		"  calls[#calls + 1] = state .. ' ' .. info.usc .. ' ' ..\n"
		"    info.stored.usc .. ' ' .. info.device_id\n"
		"  if state == 'corrupted' then\n"
		"    return false, 'restore from backup'\n"
		"  end\n"
		"  return true\n"
		"end }\n");
	struct pmemset *set = ut_attached_set(host);
	struct pmemset_source *src;
	UT_OK(pmemset_source_from_file(&src, file));
	/* left open at usc 6 on this device: corrupted now that it is 7 */
	struct pmemset_sds sds = PMEMSET_SDS_INITIALIZE();
	strcpy(sds.id, "dimm-t");
	sds.usc = 6;
	sds.refcount = 1;
	enum pmemset_part_state state = 0;
	UT_OK(pmemset_source_set_sds(src, &sds, &state));
	int ret = pmemset_map(set, src, NULL, NULL);
	UT_ASSERTeq(ret, PMEMSET_E_UNDESIRABLE_PART_STATE);
	UT_ASSERTeq(state, PMEMSET_PART_STATE_CORRUPTED);
	UT_ASSERT(strstr(pmemset_errormsg(), "restore from backup") != NULL);
	UT_ASSERTeq(pmemset_part_map_count(set), 0);
	struct pmemset_lua_value v;
	UT_ASSERTeq(pmemset_lua_get(host, "parts.0.addr", &v),
		    PMEMSET_LUA_E_KEY_NOT_FOUND);
	UT_OK(pmemset_lua_run_string(host,
				     "assert(#calls == 1 and calls[1] == "
				     "'corrupted 7 6 dimm-t', calls[1])",
				     NULL));
	pmemset_source_delete(&src);

	/* a clean record: ok, accepted, the state recorded with the part */
	UT_OK(pmemset_source_from_file(&src, file));
	sds.refcount = 0;
	UT_OK(pmemset_source_set_sds(src, &sds, &state));
	UT_OK(pmemset_map(set, src, NULL, NULL));
	UT_ASSERTeq(state, PMEMSET_PART_STATE_OK);
	UT_OK(pmemset_lua_get(host, "parts.0.state", &v));
	UT_ASSERT(strcmp(v.str, "ok") == 0);
	UT_ASSERTeq(get_u64(host, "sds.dimm-t.usc"), 7);
	char key[4300];
	snprintf(key, sizeof(key), "sources.%s.refcount", file);
	UT_ASSERTeq(get_u64(host, key), 1);

	UT_OK(pmemset_lua_delete_set(host, &set));
	UT_ASSERTeq(get_u64(host, key), 0); /* SDS_UPDATE of the delete */
	pmemset_source_delete(&src);
	pmemset_lua_delete(&host);
	UT_OK(pmemset_emu_select(NULL));
}

static void
state_list_policy(void)
{
	const char *dir = scratch_dir("listdir");
	char file[4200];
	snprintf(file, sizeof(file), "%s/pool", dir);
	ut_file(file, 64 * 1024, 0);
	emulate(dir, NULL, 2);
	struct pmemset_lua *host =
		host_with_policy("return { acceptable_states = { 'ok' } }");
	struct pmemset *set = ut_attached_set(host);
	struct pmemset_source *src;
	UT_OK(pmemset_source_from_file(&src, file));
	struct pmemset_sds sds = PMEMSET_SDS_INITIALIZE();
	UT_OK(pmemset_source_set_sds(src, &sds, NULL));
	UT_OK(pmemset_map(set, src, NULL, NULL));
	/* the second part finds the source open: not in the list */
	UT_ASSERTeq(pmemset_map(set, src, NULL, NULL),
		    PMEMSET_E_UNDESIRABLE_PART_STATE);
	UT_ASSERT(strstr(pmemset_errormsg(), "ok_but_already_open") != NULL);
	UT_ASSERTeq(pmemset_part_map_count(set), 1);
	UT_OK(pmemset_lua_delete_set(host, &set));
	pmemset_source_delete(&src);
	pmemset_lua_delete(&host);
	UT_OK(pmemset_emu_select(NULL));
}

static void
bad_policies(void)
{
	struct pmemset_lua *host;
	UT_OK(pmemset_lua_new(&host, 0));
	struct pmemset_config *cfg;
	UT_OK(pmemset_config_new(&cfg));
	UT_ASSERTeq(pmemset_lua_attach(host, cfg), PMEMSET_LUA_E_NO_POLICY);
	UT_ASSERTeq(pmemset_lua_attach(host, NULL), -EINVAL);

	static const struct {
		const char *code;
		int err;
		const char *msg;
	} cases[] = {
		{ "return 1", PMEMSET_LUA_E_INVALID_SCRIPT,
		  "policy: expected a table, got 1" },
		{ "return { on = {}, acceptable = {} }",
		  PMEMSET_LUA_E_INVALID_SCRIPT,
		  "policy.acceptable: unknown field (did you mean "
		  "\"acceptable_states\"?)" },
		{ "return { on = { nope = print } }",
		  PMEMSET_LUA_E_INVALID_SCRIPT, "on.nope: expected one of" },
		{ "return { on = { part_add = 1 } }",
		  PMEMSET_LUA_E_INVALID_SCRIPT, "expected a function" },
		{ "return { on_event = {} }", PMEMSET_LUA_E_INVALID_SCRIPT,
		  "on_event" },
		{ "return { acceptable_states = { 'fine' } }",
		  PMEMSET_LUA_E_INVALID_SCRIPT, "acceptable_states[1]" },
		{ "return { acceptable_states = 3 }",
		  PMEMSET_LUA_E_INVALID_SCRIPT, "acceptable_states" },
		{ "error('at load')", PMEMSET_LUA_E_SCRIPT, "at load" },
		{ "return {", PMEMSET_LUA_E_SCRIPT, "expected" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = pmemset_lua_load_policy_string(host, cases[i].code,
							 "=bad");
		if (ret != cases[i].err ||
		    !strstr(pmemset_lua_errormsg(host), cases[i].msg))
			UT_FAIL("case %zu: %d %s", i, ret,
				pmemset_lua_errormsg(host));
	}
	/* none became the policy */
	UT_ASSERTeq(pmemset_lua_attach(host, cfg), PMEMSET_LUA_E_NO_POLICY);
	UT_ASSERTeq(pmemset_lua_load_policy(host, "/nonexistent/p.lua"),
		    PMEMSET_LUA_E_SCRIPT);
	UT_ASSERTeq(pmemset_lua_load_policy(host, NULL), -EINVAL);
	pmemset_config_delete(&cfg);
	pmemset_lua_delete(&host);
}

int
main(void)
{
	UT_RUN(events_reach_handlers_and_keys);
	UT_RUN(handler_error_is_a_message);
	UT_RUN(badblocks_cleared_error_aborts_map);
	UT_RUN(state_policy_refuses_map);
	UT_RUN(state_list_policy);
	UT_RUN(bad_policies);
	return 0;
}
