/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * events.c -- the core callback of attached policies: it keeps the keys of
 * the parts, SDS records and bad blocks up to date, calls the policy's Lua
 * handler under pcall, and tells the observer.
 *
 * Handlers get (set, ev): set is a view of the set valid during the call
 * (set:clear_badblock(ev), set:get(key)), ev a table of the event's fields
 * (the field names of the pmemset module's events, with sources given as
 * their path).
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <libpmem2.h>

#include "host.h"
#include "lpmemset.h"

#define SETVIEW_MT "pmemset_lua.setview"

#define NEVENTS (PMEMSET_EVENT_BADBLOCKS_CLEARED + 1)

/* the kinds that change keys: delivered whatever the policy handles */
#define TRACKED_EVENTS                                                         \
	(PMEMSET_EVENT_MASK(PMEMSET_EVENT_PART_ADD) |                          \
	 PMEMSET_EVENT_MASK(PMEMSET_EVENT_PART_REMOVE) |                       \
	 PMEMSET_EVENT_MASK(PMEMSET_EVENT_REMOVE_RANGE) |                      \
	 PMEMSET_EVENT_MASK(PMEMSET_EVENT_SDS_UPDATE) |                        \
	 PMEMSET_EVENT_MASK(PMEMSET_EVENT_BADBLOCK) |                          \
	 PMEMSET_EVENT_MASK(PMEMSET_EVENT_BADBLOCKS_CLEARED))

const char *
pmemset_lua_event_name(enum pmemset_event type)
{
	if ((unsigned)type >= NEVENTS)
		return NULL;
	return lp_event_names[type];
}

/* index of an event name, -1 if none */
static int
event_index(const char *name)
{
	for (size_t i = 0; i < NEVENTS; i++)
		if (strcmp(lp_event_names[i], name) == 0)
			return (int)i;
	return -1;
}

uint64_t
events_mask(lua_State *L, int idx)
{
	uint64_t mask = TRACKED_EVENTS;
	idx = lua_absindex(L, idx);
	if (lua_getfield(L, idx, "on_event") == LUA_TFUNCTION)
		mask = PMEMSET_EVENT_MASK_ALL;
	lua_pop(L, 1);
	if (lua_getfield(L, idx, "on") == LUA_TTABLE) {
		lua_pushnil(L);
		while (lua_next(L, -2)) {
			lua_pop(L, 1);
			int ev = lua_type(L, -1) == LUA_TSTRING
					 ? event_index(lua_tostring(L, -1))
					 : -1;
			if (ev >= 0)
				mask |= PMEMSET_EVENT_MASK(ev);
		}
	}
	lua_pop(L, 1);
	return mask;
}

/* --- keys --- */

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
set_part_key_u64(struct pmemset_lua *host, uint64_t n, const char *field,
		 uint64_t value)
{
	char key[128];
	snprintf(key, sizeof(key), "parts.%" PRIu64 ".%s", n, field);
	keys_set_u64(&host->keys, key, value);
}

static void
set_part_key_str(struct pmemset_lua *host, uint64_t n, const char *field,
		 const char *value)
{
	char key[128];
	snprintf(key, sizeof(key), "parts.%" PRIu64 ".%s", n, field);
	keys_set_string(&host->keys, key, value);
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
	set_part_key_u64(host, n, "addr", (uintptr_t)ev->addr);
	set_part_key_u64(host, n, "size", ev->len);
	set_part_key_str(host, n, "source", path);
	if (host->state_path && strcmp(host->state_path, path) == 0)
		set_part_key_str(host, n, "state",
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
events_forget_set(struct pmemset_lua *host, struct pmemset *set)
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

/* "badblocks.<path>." of a source; NULL without memory */
static char *
badblock_prefix(struct pmemset_source *src)
{
	const char *path = src ? pmemset_source_get_path(src) : NULL;
	if (!path)
		path = "?";
	size_t len = strlen(path) + 48;
	char *p = malloc(len);
	if (p)
		snprintf(p, len, "badblocks.%s.", path);
	return p;
}

static void
badblock_key(struct pmemset_lua *host, const struct pmemset_badblock *bb,
	     struct pmemset_source *src, int add)
{
	char *prefix = badblock_prefix(src);
	if (!prefix)
		return;
	size_t len = strlen(prefix) + 24;
	char *key = malloc(len);
	if (key) {
		snprintf(key, len, "%s%zu", prefix, bb->offset);
		if (add)
			keys_set_u64(&host->keys, key, bb->length);
		else
			keys_delete(&host->keys, key);
	}
	free(key);
	free(prefix);
}

static void
update_keys(struct pmemset_lua *host, struct pmemset *set,
	    const struct pmemset_event_context *ctx)
{
	switch (ctx->type) {
	case PMEMSET_EVENT_PART_ADD:
		part_added(host, set, &ctx->data.part_add);
		break;
	case PMEMSET_EVENT_PART_REMOVE:
		parts_removed(host, set, ctx->data.part_remove.addr,
			      ctx->data.part_remove.len);
		break;
	case PMEMSET_EVENT_REMOVE_RANGE:
		parts_removed(host, set, ctx->data.remove_range.addr,
			      ctx->data.remove_range.len);
		break;
	case PMEMSET_EVENT_SDS_UPDATE:
		sds_updated(host, ctx->data.sds_update.sds,
			    ctx->data.sds_update.src);
		break;
	case PMEMSET_EVENT_BADBLOCK:
		badblock_key(host, ctx->data.badblock.bb,
			     ctx->data.badblock.src, 1);
		break;
	case PMEMSET_EVENT_BADBLOCKS_CLEARED: {
		char *prefix = badblock_prefix(ctx->data.badblocks_cleared.src);
		if (prefix)
			keys_delete_prefix(&host->keys, prefix);
		free(prefix);
		break;
	}
	default:
		break;
	}
}

/* --- the event table --- */

static void
field_int(lua_State *L, const char *name, uint64_t v)
{
	lua_pushinteger(L, (lua_Integer)v);
	lua_setfield(L, -2, name);
}

static void
field_source(lua_State *L, struct pmemset_source *src)
{
	const char *path = src ? pmemset_source_get_path(src) : NULL;
	if (!path)
		return;
	lua_pushstring(L, path);
	lua_setfield(L, -2, "source");
}

static void
push_event(lua_State *L, const struct pmemset_event_context *c)
{
	lua_createtable(L, 0, 5);
	lua_pushstring(L, lp_event_names[c->type]);
	lua_setfield(L, -2, "type");
	switch (c->type) {
	case PMEMSET_EVENT_COPY:
	case PMEMSET_EVENT_MOVE: /* same layout */
		field_int(L, "src", (uintptr_t)c->data.copy.src);
		field_int(L, "dest", (uintptr_t)c->data.copy.dest);
		field_int(L, "len", c->data.copy.len);
		field_int(L, "flags", c->data.copy.flags);
		break;
	case PMEMSET_EVENT_SET:
		field_int(L, "dest", (uintptr_t)c->data.set.dest);
		lua_pushinteger(L, c->data.set.value);
		lua_setfield(L, -2, "value");
		field_int(L, "len", c->data.set.len);
		field_int(L, "flags", c->data.set.flags);
		break;
	case PMEMSET_EVENT_FLUSH:
	case PMEMSET_EVENT_PERSIST:
	case PMEMSET_EVENT_REMOVE_RANGE:
	case PMEMSET_EVENT_PART_REMOVE:
		/* these payloads all start with addr, len */
		field_int(L, "addr", (uintptr_t)c->data.flush.addr);
		field_int(L, "len", c->data.flush.len);
		break;
	case PMEMSET_EVENT_PART_ADD: {
		char path[PATH_MAX];
		field_int(L, "addr", (uintptr_t)c->data.part_add.addr);
		field_int(L, "len", c->data.part_add.len);
		source_path(c->data.part_add.src, path, sizeof(path));
		lua_pushstring(L, path);
		lua_setfield(L, -2, "source");
		break;
	}
	case PMEMSET_EVENT_SDS_UPDATE:
		lp_push_sds_table(L, c->data.sds_update.sds);
		lua_setfield(L, -2, "sds");
		field_source(L, c->data.sds_update.src);
		break;
	case PMEMSET_EVENT_BADBLOCK:
		field_int(L, "offset", c->data.badblock.bb->offset);
		field_int(L, "length", c->data.badblock.bb->length);
		field_source(L, c->data.badblock.src);
		break;
	case PMEMSET_EVENT_BADBLOCKS_CLEARED:
		field_source(L, c->data.badblocks_cleared.src);
		break;
	default:
		break;
	}
}

/* --- the set view --- */

struct setview {
	struct pmemset *set; /* NULL once the handler has returned */
};

static struct setview *
check_view(lua_State *L)
{
	struct setview *v = luaL_checkudata(L, 1, SETVIEW_MT);
	if (!v->set)
		luaL_error(L, "set used after its handler returned");
	return v;
}

/*
 * set:clear_badblock(ev) -- clear the bad block of the badblock event being
 * handled; true, or nil, message, code
 */
static int
view_clear_badblock(lua_State *L)
{
	check_view(L);
	luaL_checktype(L, 2, LUA_TTABLE);
	struct pmemset_lua *host = host_from_state(L);
	struct pmemset_event_context *ctx = host->event;
	if (!ctx || ctx->type != PMEMSET_EVENT_BADBLOCK)
		return luaL_error(L, "clear_badblock: only in a badblock "
				     "handler");
	struct pmemset_badblock *bb = ctx->data.badblock.bb;
	struct pmemset_source *src = ctx->data.badblock.src;
	int ret = pmemset_badblock_clear(bb, src);
	if (ret) {
		lua_pushnil(L);
		lua_pushstring(L, pmemset_errormsg());
		lua_pushinteger(L, ret);
		return 3;
	}
	badblock_key(host, bb, src, 0);
	lua_pushboolean(L, 1);
	return 1;
}

/* set:get(key) -- a tracking key's value, or nil */
static int
view_get(lua_State *L)
{
	check_view(L);
	const char *key = luaL_checkstring(L, 2);
	const struct key_entry *e = keys_get(&host_from_state(L)->keys, key);
	if (!e)
		lua_pushnil(L);
	else if (e->value.type == PMEMSET_LUA_VALUE_STRING)
		lua_pushstring(L, e->value.str);
	else
		lua_pushinteger(L, (lua_Integer)e->value.u64);
	return 1;
}

void
events_open_lua(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "clear_badblock", view_clear_badblock },
		{ "get", view_get },
		{ NULL, NULL },
	};
	luaL_newmetatable(L, SETVIEW_MT);
	luaL_newlib(L, methods);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
}

/* --- the callback --- */

/* pushes the policy's handler of type, or returns 0 with nothing pushed */
static int
push_handler(lua_State *L, int policy_ref, enum pmemset_event type)
{
	int top = lua_gettop(L);
	lua_rawgeti(L, LUA_REGISTRYINDEX, policy_ref);
	if (lua_getfield(L, top + 1, "on") == LUA_TTABLE &&
	    lua_getfield(L, top + 2, lp_event_names[type]) == LUA_TFUNCTION) {
		lua_replace(L, top + 1);
		lua_settop(L, top + 1);
		return 1;
	}
	lua_settop(L, top + 1);
	if (lua_getfield(L, top + 1, "on_event") == LUA_TFUNCTION) {
		lua_replace(L, top + 1);
		return 1;
	}
	lua_settop(L, top);
	return 0;
}

/*
 * handler_result -- what the handler's results at the top mean: nothing,
 * nil or true accept (0); false refuses (PMEMSET_LUA_E_HANDLER, the second
 * result as the reason); an integer is returned to the core as it is.
 */
static int
handler_result(struct pmemset_lua *host, lua_State *L, const char *name)
{
	int ret = 0;
	if (lua_isinteger(L, -2)) {
		ret = (int)lua_tointeger(L, -2);
		if (ret)
			host_err(host, ret, "%s handler returned %d", name,
				 ret);
	} else if (lua_type(L, -2) == LUA_TBOOLEAN && !lua_toboolean(L, -2)) {
		const char *why = lua_tostring(L, -1);
		ret = host_err(host, PMEMSET_LUA_E_HANDLER,
			       "%s handler refused%s%s", name, why ? ": " : "",
			       why ? why : "");
	}
	lua_pop(L, 2);
	return ret;
}

static int
call_handler(struct pmemset_lua *host, struct binding *b, struct pmemset *set,
	     struct pmemset_event_context *ctx)
{
	lua_State *L = host->L;
	if (!lua_checkstack(L, 8))
		return host_err(host, PMEMSET_LUA_E_HANDLER,
				"Lua stack overflow in an event handler");
	/* the view stays in its slot below the call: no reference to undo */
	struct setview *v = lua_newuserdatauv(L, sizeof(*v), 0);
	v->set = NULL;
	luaL_setmetatable(L, SETVIEW_MT);
	int view = lua_gettop(L);
	if (!push_handler(L, b->policy_ref, ctx->type)) {
		lua_settop(L, view - 1);
		return 0;
	}
	lua_pushvalue(L, view);
	push_event(L, ctx);

	const char *name = lp_event_names[ctx->type];
	char what[64];
	snprintf(what, sizeof(what), "%s handler", name);
	v->set = set;
	int ret = host_pcall(host, 2, 2, what);
	if (!ret)
		ret = handler_result(host, L, name);
	else if (ret != PMEMSET_LUA_E_LIMIT && ret != -ENOMEM)
		ret = PMEMSET_LUA_E_HANDLER;

	/* the view dies with the call, whoever kept it */
	v->set = NULL;
	lua_settop(L, view - 1);
	return ret;
}

struct event_args {
	struct binding *b;
	struct pmemset *set;
	struct pmemset_event_context *ctx;
};

/* in protected mode: the keys and the handler's arguments allocate */
static int
handle_event(struct pmemset_lua *host, void *arg)
{
	struct event_args *a = arg;
	update_keys(host, a->set, a->ctx);
	return call_handler(host, a->b, a->set, a->ctx);
}

int
events_callback(struct pmemset *set, struct pmemset_event_context *ctx,
		void *arg)
{
	struct binding *b = arg;
	struct pmemset_lua *host = b->host;
	if ((unsigned)ctx->type >= NEVENTS)
		return 0;
	host_lock(host);
	struct pmemset_event_context *outer = host->event;
	host->event = ctx;
	struct event_args a = { b, set, ctx };
	char what[64];
	snprintf(what, sizeof(what), "%s event", lp_event_names[ctx->type]);
	int ret = host_protect(host, handle_event, &a, what);
	host->event = outer;
	if (host->observer)
		host->observer(set, ctx, ret, host->observer_arg);
	host_unlock(host);
	return ret;
}
