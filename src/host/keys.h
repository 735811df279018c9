/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * keys.h -- the host's key store: dotted keys with an integer or string
 * value, kept ordered (so a prefix is a contiguous run), and the trackers
 * notified of their changes, after corosync's cmap.
 */

#ifndef PMEMSET_HOST_KEYS_H
#define PMEMSET_HOST_KEYS_H 1

#include <stddef.h>
#include <stdint.h>

#include <bsd/sys/tree.h>

#include "pmemset_lua.h"

struct key_entry {
	RB_ENTRY(key_entry) link;
	char *key;
	struct pmemset_lua_value value; /* value.str is owned */
};

RB_HEAD(key_tree, key_entry);

struct tracker {
	pmemset_lua_track_handle_t handle;
	char *key;
	int32_t type;
	pmemset_lua_notify_fn *fn;
	void *user_data;
	/* called once the tracker is gone (releases a Lua function) */
	void (*release)(void *user_data);
	int dead; /* deleted while notifications were running */
};

struct keystore {
	struct key_tree tree;
	struct pmemset_lua *host;  /* passed to notify functions */
	struct tracker **trackers; /* in the order they were added */
	size_t ntrackers;
	size_t cap;
	pmemset_lua_track_handle_t next_handle;
	int notifying; /* nesting depth of notification loops */
	size_t bytes;  /* held by the keys (counted in the memory cap) */
};

void keys_init(struct keystore *ks, struct pmemset_lua *host);
/* frees every key and tracker without notifying */
void keys_fini(struct keystore *ks);

/* NULL if absent */
const struct key_entry *keys_get(struct keystore *ks, const char *key);

/*
 * keys_set -- add key or change its value, notifying ADD or MODIFY (no
 * notification when the value is unchanged). 0 or -ENOMEM.
 */
int keys_set(struct keystore *ks, const char *key,
	     const struct pmemset_lua_value *value);
int keys_set_u64(struct keystore *ks, const char *key, uint64_t value);
int keys_set_string(struct keystore *ks, const char *key, const char *value);

/* keys_delete -- 0, or PMEMSET_LUA_E_KEY_NOT_FOUND */
int keys_delete(struct keystore *ks, const char *key);
/* deletes every key starting with prefix; returns how many */
size_t keys_delete_prefix(struct keystore *ks, const char *prefix);

int keys_foreach(struct keystore *ks, const char *prefix,
		 pmemset_lua_key_fn *fn, void *arg);

int keys_track_add(struct keystore *ks, const char *key, int32_t type,
		   pmemset_lua_notify_fn *fn, void *user_data,
		   void (*release)(void *), pmemset_lua_track_handle_t *handle);
/* 0, or PMEMSET_LUA_E_TRACK_NOT_FOUND */
int keys_track_delete(struct keystore *ks, pmemset_lua_track_handle_t handle);

#endif /* keys.h */
