/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_host_track.c -- tracking keys of the host: exact keys and prefixes,
 * ADD/DELETE/MODIFY with old and new values, deleting trackers (also from
 * their own notification), changes made inside notifications, ordered
 * iteration, argument checks, and the same from Lua (host.track).
 */

#include <pmemset_lua.h>

#include "ut.h"

#define MAXN 32

/* what the notifications said */
struct seen {
	int n;
	int32_t event[MAXN];
	char key[MAXN][64];
	char new_str[MAXN][64];
	char old_str[MAXN][64];
	uint64_t new_u64[MAXN];
	uint64_t old_u64[MAXN];
	enum pmemset_lua_value_type new_type[MAXN];
	enum pmemset_lua_value_type old_type[MAXN];
	pmemset_lua_track_handle_t handle[MAXN];
};

static void
record(struct pmemset_lua *host, pmemset_lua_track_handle_t handle,
       int32_t event, const char *key, struct pmemset_lua_value nv,
       struct pmemset_lua_value ov, void *arg)
{
	(void)host;
	struct seen *s = arg;
	UT_ASSERT(s->n < MAXN);
	int i = s->n++;
	s->event[i] = event;
	s->handle[i] = handle;
	snprintf(s->key[i], sizeof(s->key[i]), "%s", key);
	s->new_type[i] = nv.type;
	s->old_type[i] = ov.type;
	s->new_u64[i] = nv.u64;
	s->old_u64[i] = ov.u64;
	snprintf(s->new_str[i], 64, "%s", nv.str ? nv.str : "");
	snprintf(s->old_str[i], 64, "%s", ov.str ? ov.str : "");
}

static struct pmemset_lua *
new_host(void)
{
	struct pmemset_lua *host;
	UT_OK(pmemset_lua_new(&host, 0));
	return host;
}

static void
exact_key_add_modify_delete(void)
{
	struct pmemset_lua *host = new_host();
	struct seen s = { 0 };
	pmemset_lua_track_handle_t h;
	UT_OK(pmemset_lua_track_add(host, "parts.0.size",
				    PMEMSET_LUA_TRACK_ADD |
					    PMEMSET_LUA_TRACK_DELETE |
					    PMEMSET_LUA_TRACK_MODIFY,
				    record, &s, &h));

	UT_OK(pmemset_lua_set_u64(host, "parts.0.size", 4096));
	UT_OK(pmemset_lua_set_u64(host, "parts.0.size", 4096)); /* same */
	UT_OK(pmemset_lua_set_u64(host, "parts.0.size", 8192));
	UT_OK(pmemset_lua_set_u64(host, "parts.0.sizes", 1)); /* not it */
	UT_OK(pmemset_lua_set_u64(host, "parts.0", 1));	      /* not it */
	UT_OK(pmemset_lua_delete_key(host, "parts.0.size"));

	UT_ASSERTeq(s.n, 3);
	UT_ASSERTeq(s.event[0], PMEMSET_LUA_TRACK_ADD);
	UT_ASSERTeq(s.new_type[0], PMEMSET_LUA_VALUE_U64);
	UT_ASSERTeq(s.new_u64[0], 4096);
	UT_ASSERTeq(s.old_type[0], PMEMSET_LUA_VALUE_UNSET);

	UT_ASSERTeq(s.event[1], PMEMSET_LUA_TRACK_MODIFY);
	UT_ASSERTeq(s.new_u64[1], 8192);
	UT_ASSERTeq(s.old_type[1], PMEMSET_LUA_VALUE_U64);
	UT_ASSERTeq(s.old_u64[1], 4096);

	UT_ASSERTeq(s.event[2], PMEMSET_LUA_TRACK_DELETE);
	UT_ASSERTeq(s.new_type[2], PMEMSET_LUA_VALUE_UNSET);
	UT_ASSERTeq(s.old_u64[2], 8192);
	for (int i = 0; i < 3; i++) {
		UT_ASSERT(strcmp(s.key[i], "parts.0.size") == 0);
		UT_ASSERTeq(s.handle[i], h);
	}
	pmemset_lua_delete(&host);
	UT_ASSERT(host == NULL);
}

static void
prefix_and_type_filter(void)
{
	struct pmemset_lua *host = new_host();
	struct seen adds = { 0 }, mods = { 0 };
	pmemset_lua_track_handle_t h1, h2;
	UT_OK(pmemset_lua_track_add(host, "badblocks.",
				    PMEMSET_LUA_TRACK_ADD |
					    PMEMSET_LUA_TRACK_DELETE |
					    PMEMSET_LUA_TRACK_PREFIX,
				    record, &adds, &h1));
	UT_OK(pmemset_lua_track_add(host, "badblocks.",
				    PMEMSET_LUA_TRACK_MODIFY |
					    PMEMSET_LUA_TRACK_PREFIX,
				    record, &mods, &h2));
	UT_ASSERTne(h1, h2);

	UT_OK(pmemset_lua_set_string(host, "badblocks./a.4096", "one"));
	UT_OK(pmemset_lua_set_string(host, "badblocks./a.4096", "two"));
	UT_OK(pmemset_lua_set_string(host, "badblock", "x")); /* not it */
	UT_OK(pmemset_lua_set_string(host, "badblocks./b.0", "three"));
	UT_OK(pmemset_lua_delete_key(host, "badblocks./a.4096"));

	UT_ASSERTeq(adds.n, 3);
	UT_ASSERTeq(adds.event[0], PMEMSET_LUA_TRACK_ADD);
	UT_ASSERT(strcmp(adds.key[0], "badblocks./a.4096") == 0);
	UT_ASSERT(strcmp(adds.new_str[0], "one") == 0);
	UT_ASSERTeq(adds.event[1], PMEMSET_LUA_TRACK_ADD);
	UT_ASSERT(strcmp(adds.key[1], "badblocks./b.0") == 0);
	UT_ASSERTeq(adds.event[2], PMEMSET_LUA_TRACK_DELETE);
	UT_ASSERT(strcmp(adds.old_str[2], "two") == 0);

	UT_ASSERTeq(mods.n, 1);
	UT_ASSERTeq(mods.event[0], PMEMSET_LUA_TRACK_MODIFY);
	UT_ASSERT(strcmp(mods.new_str[0], "two") == 0);
	UT_ASSERT(strcmp(mods.old_str[0], "one") == 0);
	UT_ASSERTeq(mods.new_type[0], PMEMSET_LUA_VALUE_STRING);

	/* a deleted tracker hears nothing more; its handle is gone */
	UT_OK(pmemset_lua_track_delete(host, h1));
	UT_ASSERTeq(pmemset_lua_track_delete(host, h1),
		    PMEMSET_LUA_E_TRACK_NOT_FOUND);
	UT_OK(pmemset_lua_delete_key(host, "badblocks./b.0"));
	UT_ASSERTeq(adds.n, 3);
	pmemset_lua_delete(&host);
}

/* a tracker that deletes itself and changes another key when notified */
struct self_deleter {
	pmemset_lua_track_handle_t h;
	int calls;
};

static void
delete_self(struct pmemset_lua *host, pmemset_lua_track_handle_t handle,
	    int32_t event, const char *key, struct pmemset_lua_value nv,
	    struct pmemset_lua_value ov, void *arg)
{
	(void)event, (void)key, (void)nv, (void)ov;
	struct self_deleter *d = arg;
	d->calls++;
	UT_ASSERTeq(handle, d->h);
	UT_OK(pmemset_lua_track_delete(host, handle));
	UT_OK(pmemset_lua_set_u64(host, "k.echo", 7)); /* nested change */
}

static void
changes_inside_notifications(void)
{
	struct pmemset_lua *host = new_host();
	struct self_deleter d = { 0 };
	struct seen s = { 0 };
	UT_OK(pmemset_lua_track_add(host, "k.a", PMEMSET_LUA_TRACK_ADD,
				    delete_self, &d, &d.h));
	pmemset_lua_track_handle_t h;
	UT_OK(pmemset_lua_track_add(
		host, "k.", PMEMSET_LUA_TRACK_ADD | PMEMSET_LUA_TRACK_PREFIX,
		record, &s, &h));

	UT_OK(pmemset_lua_set_u64(host, "k.a", 1));
	UT_OK(pmemset_lua_set_u64(host, "k.a", 2));
	UT_OK(pmemset_lua_delete_key(host, "k.a"));
	UT_OK(pmemset_lua_set_u64(host, "k.a", 3)); /* d is gone */
	UT_ASSERTeq(d.calls, 1);
	/* the nested add was notified inside the first one */
	UT_ASSERTeq(s.n, 3);
	UT_ASSERT(strcmp(s.key[0], "k.echo") == 0);
	UT_ASSERT(strcmp(s.key[1], "k.a") == 0);
	UT_ASSERTeq(s.new_u64[1], 1);
	UT_ASSERT(strcmp(s.key[2], "k.a") == 0);
	UT_ASSERTeq(s.new_u64[2], 3);

	struct pmemset_lua_value v;
	UT_OK(pmemset_lua_get(host, "k.echo", &v));
	UT_ASSERTeq(v.type, PMEMSET_LUA_VALUE_U64);
	UT_ASSERTeq(v.u64, 7);
	pmemset_lua_delete(&host);
}

static int
collect(const char *key, struct pmemset_lua_value v, void *arg)
{
	char *buf = arg;
	strcat(buf, key);
	strcat(buf, v.type == PMEMSET_LUA_VALUE_STRING ? "=s;" : "=u;");
	return strcmp(key, "p.stop") == 0 ? 42 : 0;
}

static void
get_and_foreach(void)
{
	struct pmemset_lua *host = new_host();
	struct pmemset_lua_value v = { 0 };
	UT_ASSERTeq(pmemset_lua_get(host, "none", &v),
		    PMEMSET_LUA_E_KEY_NOT_FOUND);
	UT_ASSERT(strstr(pmemset_lua_errormsg(host), "none") != NULL);
	UT_ASSERTeq(pmemset_lua_delete_key(host, "none"),
		    PMEMSET_LUA_E_KEY_NOT_FOUND);

	UT_OK(pmemset_lua_set_string(host, "p.b", "x"));
	UT_OK(pmemset_lua_set_u64(host, "p.a", 1));
	UT_OK(pmemset_lua_set_u64(host, "q.a", 1));
	UT_OK(pmemset_lua_set_u64(host, "p", 1));
	char buf[256] = "";
	UT_OK(pmemset_lua_foreach(host, "p.", collect, buf));
	UT_ASSERT(strcmp(buf, "p.a=u;p.b=s;") == 0);
	buf[0] = '\0';
	UT_OK(pmemset_lua_set_u64(host, "p.stop", 1));
	UT_OK(pmemset_lua_set_u64(host, "p.z", 1));
	UT_ASSERTeq(pmemset_lua_foreach(host, "p.", collect, buf), 42);
	UT_ASSERT(strcmp(buf, "p.a=u;p.b=s;p.stop=u;") == 0);

	UT_OK(pmemset_lua_get(host, "p.b", &v));
	UT_ASSERTeq(v.type, PMEMSET_LUA_VALUE_STRING);
	UT_ASSERT(strcmp(v.str, "x") == 0);
	/* a key may change type */
	UT_OK(pmemset_lua_set_u64(host, "p.b", 5));
	UT_OK(pmemset_lua_get(host, "p.b", &v));
	UT_ASSERTeq(v.type, PMEMSET_LUA_VALUE_U64);
	pmemset_lua_delete(&host);
}

static void
bad_arguments(void)
{
	struct pmemset_lua *host = new_host();
	pmemset_lua_track_handle_t h = 0;
	struct seen s = { 0 };
	UT_ASSERTeq(pmemset_lua_track_add(host, NULL, PMEMSET_LUA_TRACK_ADD,
					  record, &s, &h),
		    -EINVAL);
	UT_ASSERTeq(pmemset_lua_track_add(host, "k", PMEMSET_LUA_TRACK_ADD,
					  NULL, &s, &h),
		    -EINVAL);
	/* prefix alone tracks no change; unknown bits */
	UT_ASSERTeq(pmemset_lua_track_add(host, "k", PMEMSET_LUA_TRACK_PREFIX,
					  record, &s, &h),
		    -EINVAL);
	UT_ASSERTeq(pmemset_lua_track_add(host, "k", 1 << 9, record, &s, &h),
		    -EINVAL);
	UT_ASSERT(pmemset_lua_errormsg(host)[0] != '\0');
	UT_ASSERTeq(pmemset_lua_set_u64(host, NULL, 1), -EINVAL);
	UT_ASSERTeq(pmemset_lua_set_u64(host, "", 1), -EINVAL);
	UT_ASSERTeq(pmemset_lua_set_string(host, "k", NULL), -EINVAL);
	UT_ASSERTeq(pmemset_lua_get(NULL, "k", NULL), -EINVAL);
	UT_ASSERTeq(pmemset_lua_new(NULL, 0), -EINVAL);
	struct pmemset_lua *h2 = (void *)1;
	UT_ASSERTeq(pmemset_lua_new(&h2, 1U << 7), -EINVAL);
	UT_ASSERT(h2 == NULL);
	pmemset_lua_delete(&host);
	pmemset_lua_delete(&host); /* NULL: no-op */
	pmemset_lua_delete(NULL);
}

static void
track_from_lua(void)
{
	struct pmemset_lua *host = new_host();
	UT_OK(pmemset_lua_run_string(
		host,
		"log = {}\n"
		"h = host.track('parts.', {'add', 'modify', 'delete',"
		" 'prefix'}, function(change, key, new, old)\n"
		"  log[#log + 1] = table.concat({change, key,"
		" tostring(new), tostring(old)}, ' ')\n"
		"end)\n",
		"=setup"));
	/* changes from C reach the Lua tracker */
	UT_OK(pmemset_lua_set_u64(host, "parts.3.size", 10));
	UT_OK(pmemset_lua_set_u64(host, "parts.3.size", 20));
	UT_OK(pmemset_lua_delete_key(host, "parts.3.size"));
	UT_OK(pmemset_lua_set_u64(host, "other", 1));
	UT_OK(pmemset_lua_run_string(
		host,
		"assert(#log == 3, #log)\n"
		"assert(log[1] == 'add parts.3.size 10 nil', log[1])\n"
		"assert(log[2] == 'modify parts.3.size 20 10', log[2])\n"
		"assert(log[3] == 'delete parts.3.size nil 20', log[3])\n"
		"assert(host.untrack(h))\n"
		"assert(not host.untrack(h))\n"
		"host.set('parts.4.size', 1)\n"
		"assert(#log == 3)\n"
		"assert(host.get('parts.4.size') == 1)\n"
		"assert(host.delete('parts.4.size'))\n"
		"assert(host.get('parts.4.size') == nil)\n"
		"assert(not pcall(host.track, 'k', {'bogus'}, print))\n"
		"assert(not pcall(host.track, 'k', {'prefix'}, print))\n"
		"local n = 0\n"
		"for k, v in host.keys('oth') do n = n + 1;"
		" assert(k == 'other' and v == 1) end\n"
		"assert(n == 1)\n",
		"=check"));

	/* a Lua key set from Lua is a string in C */
	UT_OK(pmemset_lua_run_string(host, "host.set('s', 'text')", NULL));
	struct pmemset_lua_value v;
	UT_OK(pmemset_lua_get(host, "s", &v));
	UT_ASSERT(strcmp(v.str, "text") == 0);

	/* an error in a Lua tracker stays in Lua: the change is made */
	UT_OK(pmemset_lua_run_string(
		host,
		"host.track('bad', {'add'}, function() error('oops')"
		" end)",
		NULL));
	UT_OK(pmemset_lua_set_u64(host, "bad", 1));
	UT_OK(pmemset_lua_get(host, "bad", &v));
	UT_ASSERT(strstr(pmemset_lua_errormsg(host), "oops") != NULL);
	pmemset_lua_delete(&host);
}

int
main(void)
{
	UT_RUN(exact_key_add_modify_delete);
	UT_RUN(prefix_and_type_filter);
	UT_RUN(changes_inside_notifications);
	UT_RUN(get_and_foreach);
	UT_RUN(bad_arguments);
	UT_RUN(track_from_lua);
	return 0;
}
