/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * keys.c -- the key store and its trackers.
 *
 * Keys live in a red-black tree (libbsd's <sys/tree.h>) ordered by strcmp,
 * so the keys sharing a prefix are the run that starts at the first key not
 * below the prefix. Notify functions may change keys and trackers: every
 * notification works on private copies of the values, and a tracker deleted
 * during notifications is only marked dead and freed once the outermost
 * notification loop has finished.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"

static int
key_cmp(const struct key_entry *a, const struct key_entry *b)
{
	return strcmp(a->key, b->key);
}

/* libbsd leaves __unused undefined: spell the static attributes out */
RB_GENERATE_INTERNAL(key_tree, key_entry, link, key_cmp,
		     static __attribute__((unused)))

void
keys_init(struct keystore *ks, struct pmemset_lua *host)
{
	memset(ks, 0, sizeof(*ks));
	RB_INIT(&ks->tree);
	ks->host = host;
	ks->next_handle = 1;
}

/* what a string of a key or value holds (0 for none) */
static size_t
str_bytes(const char *str)
{
	return str ? strlen(str) + 1 : 0;
}

static size_t
entry_bytes(const struct key_entry *e)
{
	return sizeof(*e) + str_bytes(e->key) + str_bytes(e->value.str);
}

static void
entry_free(struct keystore *ks, struct key_entry *e)
{
	ks->bytes -= entry_bytes(e);
	free((char *)e->value.str);
	free(e->key);
	free(e);
}

static void
tracker_free(struct tracker *t)
{
	if (t->release)
		t->release(t->user_data);
	free(t->key);
	free(t);
}

void
keys_fini(struct keystore *ks)
{
	struct key_entry *e, *next;
	RB_FOREACH_SAFE(e, key_tree, &ks->tree, next)
	{
		RB_REMOVE(key_tree, &ks->tree, e);
		entry_free(ks, e);
	}
	for (size_t i = 0; i < ks->ntrackers; i++)
		tracker_free(ks->trackers[i]);
	free(ks->trackers);
	ks->trackers = NULL;
	ks->ntrackers = ks->cap = 0;
}

static struct key_entry *
find(struct keystore *ks, const char *key)
{
	struct key_entry probe = { .key = (char *)key };
	return RB_FIND(key_tree, &ks->tree, &probe);
}

const struct key_entry *
keys_get(struct keystore *ks, const char *key)
{
	return find(ks, key);
}

static int
tracker_matches(const struct tracker *t, int32_t event, const char *key)
{
	if (t->dead || !(t->type & event))
		return 0;
	if (t->type & PMEMSET_LUA_TRACK_PREFIX)
		return strncmp(key, t->key, strlen(t->key)) == 0;
	return strcmp(key, t->key) == 0;
}

/* drop the trackers marked dead, keeping the order of the others */
static void
compact_trackers(struct keystore *ks)
{
	size_t n = 0;
	for (size_t i = 0; i < ks->ntrackers; i++) {
		if (ks->trackers[i]->dead)
			tracker_free(ks->trackers[i]);
		else
			ks->trackers[n++] = ks->trackers[i];
	}
	ks->ntrackers = n;
}

/*
 * notify -- tell the matching trackers; the values are the caller's
 * private copies, so notify functions may change this very key.
 */
static void
notify(struct keystore *ks, int32_t event, const char *key,
       struct pmemset_lua_value new_value, struct pmemset_lua_value old_value)
{
	size_t n = ks->ntrackers; /* trackers added meanwhile wait */
	ks->notifying++;
	for (size_t i = 0; i < n; i++) {
		struct tracker *t = ks->trackers[i];
		if (tracker_matches(t, event, key))
			t->fn(ks->host, t->handle, event, key, new_value,
			      old_value, t->user_data);
	}
	if (--ks->notifying == 0)
		compact_trackers(ks);
}

static int
value_equal(const struct pmemset_lua_value *a,
	    const struct pmemset_lua_value *b)
{
	if (a->type != b->type)
		return 0;
	if (a->type == PMEMSET_LUA_VALUE_STRING)
		return strcmp(a->str, b->str) == 0;
	return a->u64 == b->u64;
}

/* a value owning a copy of v's string; -ENOMEM */
static int
value_copy(struct pmemset_lua_value *dst, const struct pmemset_lua_value *v)
{
	*dst = *v;
	if (v->type == PMEMSET_LUA_VALUE_STRING) {
		dst->u64 = 0;
		dst->str = strdup(v->str ? v->str : "");
		if (!dst->str)
			return -ENOMEM;
	} else {
		dst->str = NULL;
	}
	return 0;
}

static int
add_key(struct keystore *ks, const char *key,
	const struct pmemset_lua_value *value)
{
	struct key_entry *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->key = strdup(key);
	if (!e->key || value_copy(&e->value, value)) {
		free(e->key);
		free(e);
		return -ENOMEM;
	}
	RB_INSERT(key_tree, &ks->tree, e);
	ks->bytes += entry_bytes(e);

	struct pmemset_lua_value unset = { 0 }, copy;
	if (value_copy(&copy, &e->value))
		return 0; /* stored; only the notification is lost */
	notify(ks, PMEMSET_LUA_TRACK_ADD, key, copy, unset);
	free((char *)copy.str);
	return 0;
}

static int
modify_key(struct keystore *ks, struct key_entry *e,
	   const struct pmemset_lua_value *value)
{
	struct pmemset_lua_value nv;
	if (value_copy(&nv, value))
		return -ENOMEM;
	struct pmemset_lua_value old = e->value, copy;
	ks->bytes += str_bytes(nv.str);
	ks->bytes -= str_bytes(old.str);
	e->value = nv;

	char *key = strdup(e->key);
	if (key && value_copy(&copy, &nv) == 0) {
		notify(ks, PMEMSET_LUA_TRACK_MODIFY, key, copy, old);
		free((char *)copy.str);
	}
	free(key);
	free((char *)old.str);
	return 0;
}

int
keys_set(struct keystore *ks, const char *key,
	 const struct pmemset_lua_value *value)
{
	struct key_entry *e = find(ks, key);
	if (!e)
		return add_key(ks, key, value);
	if (value_equal(&e->value, value))
		return 0;
	return modify_key(ks, e, value);
}

int
keys_set_u64(struct keystore *ks, const char *key, uint64_t value)
{
	struct pmemset_lua_value v = { PMEMSET_LUA_VALUE_U64, value, NULL };
	return keys_set(ks, key, &v);
}

int
keys_set_string(struct keystore *ks, const char *key, const char *value)
{
	struct pmemset_lua_value v = { PMEMSET_LUA_VALUE_STRING, 0, value };
	return keys_set(ks, key, &v);
}

int
keys_delete(struct keystore *ks, const char *key)
{
	struct key_entry *e = find(ks, key);
	if (!e)
		return PMEMSET_LUA_E_KEY_NOT_FOUND;
	RB_REMOVE(key_tree, &ks->tree, e);
	struct pmemset_lua_value unset = { 0 };
	notify(ks, PMEMSET_LUA_TRACK_DELETE, e->key, unset, e->value);
	entry_free(ks, e);
	return 0;
}

/* first key not below prefix, i.e. the start of the prefix's run */
static struct key_entry *
first_with_prefix(struct keystore *ks, const char *prefix)
{
	struct key_entry probe = { .key = (char *)prefix };
	struct key_entry *e = RB_NFIND(key_tree, &ks->tree, &probe);
	if (e && strncmp(e->key, prefix, strlen(prefix)) != 0)
		return NULL;
	return e;
}

size_t
keys_delete_prefix(struct keystore *ks, const char *prefix)
{
	size_t n = 0;
	struct key_entry *e;
	/* look the run up again each time: notify functions may change it */
	while ((e = first_with_prefix(ks, prefix)) != NULL) {
		RB_REMOVE(key_tree, &ks->tree, e);
		struct pmemset_lua_value unset = { 0 };
		notify(ks, PMEMSET_LUA_TRACK_DELETE, e->key, unset, e->value);
		entry_free(ks, e);
		n++;
	}
	return n;
}

int
keys_foreach(struct keystore *ks, const char *prefix, pmemset_lua_key_fn *fn,
	     void *arg)
{
	size_t len = strlen(prefix);
	for (struct key_entry *e = first_with_prefix(ks, prefix);
	     e && strncmp(e->key, prefix, len) == 0;
	     e = RB_NEXT(key_tree, &ks->tree, e)) {
		int ret = fn(e->key, e->value, arg);
		if (ret)
			return ret;
	}
	return 0;
}

int
keys_track_add(struct keystore *ks, const char *key, int32_t type,
	       pmemset_lua_notify_fn *fn, void *user_data,
	       void (*release)(void *), pmemset_lua_track_handle_t *handle)
{
	if (ks->ntrackers == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 8;
		struct tracker **t = realloc(ks->trackers, cap * sizeof(*t));
		if (!t)
			return -ENOMEM;
		ks->trackers = t;
		ks->cap = cap;
	}
	struct tracker *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->key = strdup(key);
	if (!t->key) {
		free(t);
		return -ENOMEM;
	}
	t->handle = ks->next_handle++;
	t->type = type;
	t->fn = fn;
	t->user_data = user_data;
	t->release = release;
	ks->trackers[ks->ntrackers++] = t;
	*handle = t->handle;
	return 0;
}

int
keys_track_delete(struct keystore *ks, pmemset_lua_track_handle_t handle)
{
	for (size_t i = 0; i < ks->ntrackers; i++) {
		struct tracker *t = ks->trackers[i];
		if (t->handle != handle || t->dead)
			continue;
		t->dead = 1;
		if (ks->notifying == 0)
			compact_trackers(ks);
		return 0;
	}
	return PMEMSET_LUA_E_TRACK_NOT_FOUND;
}
