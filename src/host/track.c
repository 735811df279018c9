/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * track.c -- the public tracking API: checks the arguments, takes the
 * host's lock and sets messages around the key store (keys.c).
 */

#include <errno.h>

#include "host.h"

#define TRACK_CHANGES                                                          \
	(PMEMSET_LUA_TRACK_ADD | PMEMSET_LUA_TRACK_DELETE |                    \
	 PMEMSET_LUA_TRACK_MODIFY)

int
pmemset_lua_track_add(struct pmemset_lua *host, const char *key,
		      int32_t track_type, pmemset_lua_notify_fn *notify_fn,
		      void *user_data, pmemset_lua_track_handle_t *handle)
{
	if (!host)
		return -EINVAL;
	if (!key || !notify_fn || !handle)
		return host_err(host, -EINVAL, "track_add: %s is NULL",
				!key	     ? "key"
				: !notify_fn ? "notify_fn"
					     : "handle");
	if ((track_type & ~(TRACK_CHANGES | PMEMSET_LUA_TRACK_PREFIX)) ||
	    !(track_type & TRACK_CHANGES))
		return host_err(host, -EINVAL,
				"track_add: invalid track type 0x%x",
				(unsigned)track_type);
	host_lock(host);
	int ret = keys_track_add(&host->keys, key, track_type, notify_fn,
				 user_data, NULL, handle);
	if (ret)
		host_err(host, ret, "track_add: out of memory");
	host_unlock(host);
	return ret;
}

int
pmemset_lua_track_delete(struct pmemset_lua *host,
			 pmemset_lua_track_handle_t handle)
{
	if (!host)
		return -EINVAL;
	host_lock(host);
	int ret = keys_track_delete(&host->keys, handle);
	if (ret)
		host_err(host, ret, "track_delete: no tracker %llu",
			 (unsigned long long)handle);
	host_unlock(host);
	return ret;
}

int
pmemset_lua_get(struct pmemset_lua *host, const char *key,
		struct pmemset_lua_value *value)
{
	if (!host)
		return -EINVAL;
	if (!key || !value)
		return host_err(host, -EINVAL, "get: %s is NULL",
				!key ? "key" : "value");
	host_lock(host);
	const struct key_entry *e = keys_get(&host->keys, key);
	int ret = 0;
	if (e)
		*value = e->value;
	else
		ret = host_err(host, PMEMSET_LUA_E_KEY_NOT_FOUND,
			       "get: no key %s", key);
	host_unlock(host);
	return ret;
}

static int
set_value(struct pmemset_lua *host, const char *key,
	  const struct pmemset_lua_value *v)
{
	if (!host)
		return -EINVAL;
	if (!key || (v->type == PMEMSET_LUA_VALUE_STRING && !v->str))
		return host_err(host, -EINVAL, "set: %s is NULL",
				!key ? "key" : "value");
	if (key[0] == '\0')
		return host_err(host, -EINVAL, "set: empty key");
	host_lock(host);
	int ret = keys_set(&host->keys, key, v);
	if (ret)
		host_err(host, ret, "set %s: out of memory", key);
	host_unlock(host);
	return ret;
}

int
pmemset_lua_set_u64(struct pmemset_lua *host, const char *key, uint64_t value)
{
	struct pmemset_lua_value v = { PMEMSET_LUA_VALUE_U64, value, NULL };
	return set_value(host, key, &v);
}

int
pmemset_lua_set_string(struct pmemset_lua *host, const char *key,
		       const char *value)
{
	struct pmemset_lua_value v = { PMEMSET_LUA_VALUE_STRING, 0, value };
	return set_value(host, key, &v);
}

int
pmemset_lua_delete_key(struct pmemset_lua *host, const char *key)
{
	if (!host)
		return -EINVAL;
	if (!key)
		return host_err(host, -EINVAL, "delete_key: key is NULL");
	host_lock(host);
	int ret = keys_delete(&host->keys, key);
	if (ret)
		host_err(host, ret, "delete_key: no key %s", key);
	host_unlock(host);
	return ret;
}

int
pmemset_lua_foreach(struct pmemset_lua *host, const char *prefix,
		    pmemset_lua_key_fn *fn, void *arg)
{
	if (!host)
		return -EINVAL;
	if (!fn)
		return host_err(host, -EINVAL, "foreach: fn is NULL");
	host_lock(host);
	int ret = keys_foreach(&host->keys, prefix ? prefix : "", fn, arg);
	host_unlock(host);
	return ret;
}
