/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * track.c -- the host's tracking keys: the observer hooked on the module's
 * event path that keeps parts.*, sds.*, sources.* and badblocks.* up to
 * date for every set of the host (pmemset.new, layouts, attached configs),
 * and the public tracking API (argument checks, the host's lock and
 * messages around the key store of keys.c).
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpmem2.h>

#include "host.h"

/* the kinds that change keys: delivered whatever the handlers subscribe */
#define TRACKED_EVENTS                                                         \
	(PMEMSET_EVENT_MASK(PMEMSET_EVENT_PART_ADD) |                          \
	 PMEMSET_EVENT_MASK(PMEMSET_EVENT_PART_REMOVE) |                       \
	 PMEMSET_EVENT_MASK(PMEMSET_EVENT_REMOVE_RANGE) |                      \
	 PMEMSET_EVENT_MASK(PMEMSET_EVENT_SDS_UPDATE) |                        \
	 PMEMSET_EVENT_MASK(PMEMSET_EVENT_BADBLOCK) |                          \
	 PMEMSET_EVENT_MASK(PMEMSET_EVENT_BADBLOCKS_CLEARED))

/*
 * source_path -- the path of the file behind a pmem2 source, from
 * /proc/self/fd (pmemset's PART_ADD names the part's pmem2 source only)
 */
static void
source_path(const struct pmem2_source *src, char *buf, size_t size)
{
	int fd;
	snprintf(buf, size, "?");
	if (!src || pmem2_source_get_fd(src, &fd) != 0)
		return;
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, buf, size - 1);
	if (n < 0) {
		snprintf(buf, size, "fd:%d", fd);
		return;
	}
	buf[n] = '\0';
}

static void
set_part_key(struct pmemset_lua *host, uint64_t n, const char *field,
	     uint64_t u64, const char *str)
{
	char key[128];
	snprintf(key, sizeof(key), "parts.%" PRIu64 ".%s", n, field);
	if (str)
		keys_set_string(&host->keys, key, str);
	else
		keys_set_u64(&host->keys, key, u64);
}

static void
part_added(struct pmemset_lua *host, struct pmemset *set,
	   const struct pmemset_event_part_add *ev)
{
	if (host->nparts == host->partcap) {
		size_t cap = host->partcap ? host->partcap * 2 : 16;
		struct host_part *p = realloc(host->parts, cap * sizeof(*p));
		if (!p)
			return; /* the part stays untracked */
		host->parts = p;
		host->partcap = cap;
	}
	uint64_t n = host->next_part++;
	host->parts[host->nparts++] =
		(struct host_part){ n, set, (uintptr_t)ev->addr, ev->len };

	char path[PATH_MAX];
	source_path(ev->src, path, sizeof(path));
	set_part_key(host, n, "addr", (uintptr_t)ev->addr, NULL);
	set_part_key(host, n, "size", ev->len, NULL);
	set_part_key(host, n, "source", 0, path);
	if (host->state_path && strcmp(host->state_path, path) == 0)
		set_part_key(host, n, "state", 0,
			     pmemset_lua_state_name(host->state));
	free(host->state_path);
	host->state_path = NULL;
}

static void
drop_part(struct pmemset_lua *host, size_t i)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "parts.%" PRIu64 ".",
		 host->parts[i].n);
	memmove(&host->parts[i], &host->parts[i + 1],
		(host->nparts - i - 1) * sizeof(host->parts[0]));
	host->nparts--;
	keys_delete_prefix(&host->keys, prefix);
}

/* drop the parts of set intersecting [addr, addr + len) */
static void
parts_removed(struct pmemset_lua *host, struct pmemset *set, void *addr,
	      size_t len)
{
	uintptr_t lo = (uintptr_t)addr, hi = lo + len;
	for (size_t i = 0; i < host->nparts;) {
		struct host_part *p = &host->parts[i];
		if (p->set == set && p->addr < hi && lo < p->addr + p->size)
			drop_part(host, i);
		else
			i++;
	}
}

void
track_forget_set(struct pmemset_lua *host, struct pmemset *set)
{
	parts_removed(host, set, NULL, UINTPTR_MAX);
}

/* sds.<device-id>.usc per device, sources.<path>.refcount per source */
static void
sds_updated(struct pmemset_lua *host, const struct pmemset_sds *sds,
	    struct pmemset_source *src)
{
	if (!sds || sds->id[0] == '\0')
		return; /* a record not yet bound to a device */
	const char *path = src ? pmemset_source_get_path(src) : NULL;
	size_t len = strlen(sds->id) + (path ? strlen(path) : 0) + 32;
	char *key = malloc(len);
	if (!key)
		return;
	snprintf(key, len, "sds.%s.usc", sds->id);
	keys_set_u64(&host->keys, key, sds->usc);
	if (path) {
		snprintf(key, len, "sources.%s.refcount", path);
		keys_set_u64(&host->keys, key, (uint64_t)sds->refcount);
	}
	free(key);
}

/* "badblocks.<path>." of a source, with room for an offset; or NULL */
static char *
badblock_prefix(struct pmemset_source *src, size_t *len)
{
	const char *path = src ? pmemset_source_get_path(src) : NULL;
	if (!path)
		path = "?";
	*len = strlen(path) + 48;
	char *p = malloc(*len);
	if (p)
		snprintf(p, *len, "badblocks.%s.", path);
	return p;
}

static void
badblock_found(struct pmemset_lua *host, const struct pmemset_badblock *bb,
	       struct pmemset_source *src)
{
	size_t len;
	char *key = badblock_prefix(src, &len);
	if (!key)
		return;
	size_t n = strlen(key);
	snprintf(key + n, len - n, "%zu", bb->offset);
	keys_set_u64(&host->keys, key, bb->length);
	free(key);
}

static void
badblocks_cleared(struct pmemset_lua *host, struct pmemset_source *src)
{
	size_t len;
	char *prefix = badblock_prefix(src, &len);
	if (prefix)
		keys_delete_prefix(&host->keys, prefix);
	free(prefix);
}

/* before the handler: it may read the keys of this event */
static void
observe_before(struct pmemset *set, const struct pmemset_event_context *ctx,
	       void *arg)
{
	struct pmemset_lua *host = arg;
	if (host->closing)
		return;
	host_lock(host);
	switch (ctx->type) {
	case PMEMSET_EVENT_PART_ADD:
		part_added(host, set, &ctx->data.part_add);
		break;
	case PMEMSET_EVENT_PART_REMOVE:
	case PMEMSET_EVENT_REMOVE_RANGE: /* both start with addr, len */
		parts_removed(host, set, ctx->data.part_remove.addr,
			      ctx->data.part_remove.len);
		break;
	case PMEMSET_EVENT_SDS_UPDATE:
		sds_updated(host, ctx->data.sds_update.sds,
			    ctx->data.sds_update.src);
		break;
	case PMEMSET_EVENT_BADBLOCK:
		badblock_found(host, ctx->data.badblock.bb,
			       ctx->data.badblock.src);
		break;
	case PMEMSET_EVENT_BADBLOCKS_CLEARED:
		badblocks_cleared(host, ctx->data.badblocks_cleared.src);
		break;
	default:
		break;
	}
	host_unlock(host);
}

/*
 * after the handler: a failure becomes the host's message and
 * PMEMSET_LUA_E_HANDLER; then the application's observer
 */
static int
observe_after(struct pmemset *set, const struct pmemset_event_context *ctx,
	      int result, const char *error, int refused, void *arg)
{
	struct pmemset_lua *host = arg;
	if (host->closing)
		return result;
	host_lock(host);
	const char *name = pmemset_lua_event_name(ctx->type);
	if (refused)
		result = host_err(host, PMEMSET_LUA_E_HANDLER,
				  "%s handler refused: %s", name, error);
	else if (error) /* a limit that stopped it is named by its code */
		result = host_err(host,
				  host->lim.hit ? PMEMSET_LUA_E_LIMIT
						: PMEMSET_LUA_E_HANDLER,
				  "%s handler: %s", name, error);
	else if (result)
		result = host_err(host, PMEMSET_LUA_E_HANDLER,
				  "%s handler refused (%d)", name, result);
	if (host->user_observer)
		host->user_observer(set, ctx, result, host->user_observer_arg);
	host_unlock(host);
	return result;
}

/* remember the state for the PART_ADD that may follow */
static void
observe_state(const struct pmemset_state_info *info, void *arg)
{
	struct pmemset_lua *host = arg;
	if (host->closing)
		return;
	host_lock(host);
	free(host->state_path);
	host->state_path = info->path ? strdup(info->path) : NULL;
	host->state = info->state;
	host_unlock(host);
}

static void
observe_closed(struct pmemset *set, void *arg)
{
	struct pmemset_lua *host = arg;
	if (host->closing)
		return;
	host_lock(host);
	track_forget_set(host, set);
	host_unlock(host);
}

/* handlers of attached configs run with the host's lock, as its API does */
static void
observe_enter(void *arg)
{
	host_lock(arg);
}

static void
observe_leave(void *arg)
{
	host_unlock(arg);
}

void
track_init(struct pmemset_lua *host)
{
	host->observer = (struct lp_observer){
		.mask = TRACKED_EVENTS,
		.enter = observe_enter,
		.leave = observe_leave,
		.before = observe_before,
		.after = observe_after,
		.state = observe_state,
		.closed = observe_closed,
		.arg = host,
	};
	keys_init(&host->keys, host);
}

void
track_fini(struct pmemset_lua *host)
{
	keys_fini(&host->keys);
	free(host->parts);
	free(host->state_path);
	host->parts = NULL;
	host->state_path = NULL;
}

void
pmemset_lua_set_event_observer(struct pmemset_lua *host,
			       pmemset_lua_event_observer *observer, void *arg)
{
	if (!host)
		return;
	host_lock(host);
	host->user_observer = observer;
	host->user_observer_arg = arg;
	/* the module's event path calls observe_after for every event then */
	host->observer.after_always = observer != NULL;
	host_unlock(host);
}

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
