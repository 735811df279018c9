/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_host_reload.c -- pmemset_lua_reload_policy: sets of an attached
 * config take the new handlers at the next event, a script that fails or
 * is not a policy changes nothing and says why, a reload from inside a
 * handler is refused, reloads racing a stream of events on another thread
 * lose none and never run a half-loaded policy, and bad arguments are
 * reported.
 */

#include <pthread.h>
#include <sched.h>

#include <lua.h>

#include <libpmem2.h>
#include <pmemset_ext.h>
#include <pmemset_lua.h>

#include "ut_host.h"

/* a policy whose part_add handler records its name in the key "last" */
#define POLICY(name)                                                           \
	"return { on = { part_add = function() host.set('last', '" name        \
	"') end } }\n"

static const char *
write_policy(const char *name, const char *code)
{
	const char *path = ut_path(name);
	FILE *f = fopen(path, "w");
	UT_ASSERT(f != NULL);
	fputs(code, f);
	fclose(f);
	return path;
}

/* maps 64K of a new temporary file; the caller deletes the source */
static struct pmemset_source *
map_one(struct pmemset *set)
{
	struct pmemset_source *src;
	struct pmemset_map_config *mc;
	UT_OK(pmemset_source_from_temporary(&src, ut_dir()));
	UT_OK(pmemset_map_config_new(&mc));
	pmemset_map_config_set_length(mc, 64 * 1024);
	UT_OK(pmemset_map(set, src, mc, NULL));
	UT_OK(pmemset_map_config_delete(&mc));
	return src;
}

static void
expect_last(struct pmemset_lua *host, const char *want)
{
	struct pmemset_lua_value v;
	UT_OK(pmemset_lua_get(host, "last", &v));
	UT_ASSERTeq(v.type, PMEMSET_LUA_VALUE_STRING);
	if (strcmp(v.str, want) != 0)
		UT_FAIL("last is %s, expected %s", v.str, want);
}

static void
attached_sets_take_the_new_policy(void)
{
	struct pmemset_lua *host;
	UT_OK(pmemset_lua_new(&host, 0));
	UT_OK(pmemset_lua_reload_policy(host,
					write_policy("a.lua", POLICY("A"))));
	struct pmemset *set = ut_attached_set(host);
	struct pmemset_source *s1 = map_one(set);
	expect_last(host, "A");

	UT_OK(pmemset_lua_reload_policy(host,
					write_policy("b.lua", POLICY("B"))));
	struct pmemset_source *s2 = map_one(set);
	expect_last(host, "B");
	/* and the current policy: a config attached now gets B too */
	struct pmemset *set2 = ut_attached_set(host);
	UT_OK(pmemset_lua_set_string(host, "last", "-"));
	struct pmemset_source *s3 = map_one(set2);
	expect_last(host, "B");

	UT_OK(pmemset_lua_delete_set(host, &set));
	UT_OK(pmemset_lua_delete_set(host, &set2));
	pmemset_source_delete(&s1);
	pmemset_source_delete(&s2);
	pmemset_source_delete(&s3);
	pmemset_lua_delete(&host);
}

static void
failures_keep_the_old_policy(void)
{
	struct pmemset_lua *host;
	UT_OK(pmemset_lua_new(&host, 0));
	UT_OK(pmemset_lua_load_policy_string(host, POLICY("A"), "=a"));
	struct pmemset *set = ut_attached_set(host);

	UT_ASSERTeq(pmemset_lua_reload_policy(
			    host, write_policy("syntax.lua", "return { on = ")),
		    PMEMSET_LUA_E_SCRIPT);
	UT_ASSERT(strstr(pmemset_lua_errormsg(host), "syntax.lua:1:"));
	UT_ASSERTeq(
		pmemset_lua_reload_policy(
			host, write_policy("half.lua", "local t = { on = {} }\n"
						       "error('half written')\n"
						       "return t\n")),
		PMEMSET_LUA_E_SCRIPT);
	UT_ASSERT(strstr(pmemset_lua_errormsg(host), "half written"));
	UT_ASSERTeq(
		pmemset_lua_reload_policy(
			host,
			write_policy(
				"sett.lua",
				"return { on = { sett = function() end } }")),
		PMEMSET_LUA_E_INVALID_SCRIPT);
	UT_ASSERT(strstr(pmemset_lua_errormsg(host), "on.sett"));
	UT_ASSERTeq(pmemset_lua_reload_policy(host, ut_path("missing.lua")),
		    PMEMSET_LUA_E_SCRIPT);

	struct pmemset_source *src = map_one(set);
	expect_last(host, "A");
	UT_OK(pmemset_lua_delete_set(host, &set));
	pmemset_source_delete(&src);
	pmemset_lua_delete(&host);
}

static struct pmemset_lua *the_host;
static const char *the_b_path;

/* reload() from Lua: the code and the host's message */
static int
lua_reload(lua_State *L)
{
	int ret = pmemset_lua_reload_policy(the_host, the_b_path);
	lua_pushinteger(L, ret);
	lua_pushstring(L, pmemset_lua_errormsg(the_host));
	return 2;
}

static void
not_from_a_handler(void)
{
	UT_OK(pmemset_lua_new(&the_host, 0));
	the_b_path = write_policy("b2.lua", POLICY("B"));
	lua_State *L = pmemset_lua_state(the_host);
	lua_register(L, "reload", lua_reload);
	UT_OK(pmemset_lua_load_policy_string(
		the_host,
		"return { on = { part_add = function()\n"
		"  local code, msg = reload()\n"
		"  host.set('code', code < 0 and 'refused' or 'done')\n"
		"  host.set('msg', msg)\n"
		"  host.set('last', 'A')\n"
		"end } }\n",
		"=a"));
	struct pmemset *set = ut_attached_set(the_host);
	struct pmemset_source *s1 = map_one(set);
	struct pmemset_lua_value v;
	UT_OK(pmemset_lua_get(the_host, "code", &v));
	UT_ASSERT(strcmp(v.str, "refused") == 0);
	UT_OK(pmemset_lua_get(the_host, "msg", &v));
	UT_ASSERT(strstr(v.str, "not from an event handler"));
	expect_last(the_host, "A");
	/* outside a handler it works */
	UT_OK(pmemset_lua_reload_policy(the_host, the_b_path));
	struct pmemset_source *s2 = map_one(set);
	expect_last(the_host, "B");
	UT_OK(pmemset_lua_delete_set(the_host, &set));
	pmemset_source_delete(&s1);
	pmemset_source_delete(&s2);
	pmemset_lua_delete(&the_host);
}

/*
 * A policy that counts the set events it handles under its name, and
 * checks that the global its script set last is still its own: a handler
 * running while another script is half-loaded would see the other name.
 */
#define COUNTING(name)                                                         \
	"current = '" name "'\n"                                               \
	"return { on = { set = function()\n"                                   \
	"  if current ~= '" name "' then host.set('half', current) end\n"      \
	"  host.set('count." name "', (host.get('count." name                  \
	"') or 0) + 1)\n"                                                      \
	"end } }\n"

#define STREAM_EVENTS 4000
#define RELOADS	      40

struct stream {
	struct pmemset *set;
	char *part;
	int done; /* events fired so far (atomic) */
};

static void *
fire_events(void *arg)
{
	struct stream *st = arg;
	for (int i = 0; i < STREAM_EVENTS; i++) {
		pmemset_memset(st->set, st->part, i & 0xff, 64,
			       PMEMSET_F_MEM_NODRAIN);
		__atomic_add_fetch(&st->done, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static uint64_t
count_of(struct pmemset_lua *host, const char *key)
{
	struct pmemset_lua_value v;
	if (pmemset_lua_get(host, key, &v))
		return 0;
	UT_ASSERTeq(v.type, PMEMSET_LUA_VALUE_U64);
	return v.u64;
}

static void
reloads_racing_events(void)
{
	struct pmemset_lua *host;
	UT_OK(pmemset_lua_new(&host, 0));
	const char *a = write_policy("count_a.lua", COUNTING("A"));
	const char *b = write_policy("count_b.lua", COUNTING("B"));
	UT_OK(pmemset_lua_reload_policy(host, a));
	struct stream st = { ut_attached_set(host), NULL, 0 };
	struct pmemset_source *src = map_one(st.set);
	struct pmemset_part_map *pm = NULL;
	pmemset_first_part_map(st.set, &pm);
	st.part = pmemset_descriptor_part_map(pm).addr;
	pmemset_part_map_drop(&pm);

	pthread_t t;
	UT_ASSERTeq(pthread_create(&t, NULL, fire_events, &st), 0);
	/* each reload waits for events to have run since the previous one */
	for (int i = 1; i <= RELOADS; i++) {
		int want = i * (STREAM_EVENTS / (RELOADS + 1));
		while (__atomic_load_n(&st.done, __ATOMIC_ACQUIRE) < want)
			sched_yield();
		int ret = pmemset_lua_reload_policy(host, i % 2 ? b : a);
		if (ret)
			UT_FAIL("reload: %s", pmemset_lua_errormsg(host));
	}
	UT_ASSERTeq(pthread_join(t, NULL), 0);

	struct pmemset_lua_value v;
	if (pmemset_lua_get(host, "half", &v) == 0)
		UT_FAIL("a handler ran with the script of %s loaded", v.str);
	uint64_t na = count_of(host, "count.A"), nb = count_of(host, "count.B");
	UT_ASSERTeq(na + nb, STREAM_EVENTS);
	UT_ASSERT(na > 0 && nb > 0);
	UT_OK(pmemset_lua_delete_set(host, &st.set));
	pmemset_source_delete(&src);
	pmemset_lua_delete(&host);
}

static void
bad_arguments(void)
{
	UT_ASSERTeq(pmemset_lua_reload_policy(NULL, "x"), -EINVAL);
	struct pmemset_lua *host;
	UT_OK(pmemset_lua_new(&host, 0));
	UT_ASSERTeq(pmemset_lua_reload_policy(host, NULL), -EINVAL);
	UT_ASSERT(strstr(pmemset_lua_errormsg(host), "path is NULL"));
	pmemset_lua_delete(&host);
}

int
main(void)
{
	UT_RUN(attached_sets_take_the_new_policy);
	UT_RUN(failures_keep_the_old_policy);
	UT_RUN(not_from_a_handler);
	UT_RUN(reloads_racing_events);
	UT_RUN(bad_arguments);
	return 0;
}
