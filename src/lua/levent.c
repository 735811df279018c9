/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * levent.c -- delivering core events to Lua handlers.
 *
 * The core filters event kinds by the mask built from the handlers a script
 * subscribed, so only those kinds reach lp_event_callback. The callback
 * runs the handler under lua_pcall and never raises: an error becomes the
 * callback's non-zero result (honoured by the core where the event allows
 * it) and a message kept in the set (set:handler_error()).
 *
 * The event object is one userdata per set, refilled for every event and
 * invalidated when the handler returns; a handler that fires events of the
 * same set (nesting) gets a fresh one.
 */

#include <errno.h>
#include <string.h>

#include "lpmemset.h"

const char *const lp_event_names[] = {
	"copy",	       "move",	     "set",	     "flush",
	"drain",       "persist",    "remove_range", "part_add",
	"part_remove", "sds_update", "badblock",     "badblocks_cleared",
	NULL,
};

#define NEVENTS (PMEMSET_EVENT_BADBLOCKS_CLEARED + 1)

struct levent {
	struct pmemset_event_context ctx;
	int valid;    /* 1 only while its handler runs */
	int borrowed; /* borrowed source objects made for this delivery */
};

/* the user value of an event: its borrowed source, detached at the end */
#define LEVENT_UV_SOURCE 1

void
lp_new_event(lua_State *L)
{
	struct levent *ev = lua_newuserdatauv(L, sizeof(*ev), 1);
	memset(ev, 0, sizeof(*ev));
	luaL_setmetatable(L, LPMEMSET_EVENT);
}

static int
new_event_protected(lua_State *L)
{
	lp_new_event(L);
	return 1;
}

static void
push_integer_field(lua_State *L, uintptr_t v)
{
	lua_pushinteger(L, (lua_Integer)v);
}

/*
 * pushes the Lua source object of a core source; a source a C caller
 * created has none: it gets a borrowed one, valid until the handler
 * returns (event slot 1)
 */
static void
push_source(lua_State *L, struct pmemset_source *src)
{
	if (src == NULL) {
		lua_pushnil(L);
		return;
	}
	lp_objects_get(L, src);
	if (!lua_isnil(L, -1))
		return;
	lua_pop(L, 1);
	struct levent *ev = lua_touserdata(L, 1);
	if (ev->borrowed &&
	    lua_getiuservalue(L, 1, LEVENT_UV_SOURCE) == LUA_TUSERDATA)
		return; /* one source per event */
	lua_pop(L, ev->borrowed ? 1 : 0);
	lp_push_borrowed_source(L, src);
	lua_pushvalue(L, -1);
	lua_setiuservalue(L, 1, LEVENT_UV_SOURCE);
	ev->borrowed = 1;
}

/* ends the borrowed source of the event at idx, if it made one */
static void
end_borrowed(lua_State *L, int idx, struct levent *ev)
{
	ev->borrowed = 0;
	if (lua_getiuservalue(L, idx, LEVENT_UV_SOURCE) == LUA_TUSERDATA)
		((struct lsource *)lua_touserdata(L, -1))->src = NULL;
	lua_pop(L, 1);
	lua_pushnil(L);
	lua_setiuservalue(L, idx, LEVENT_UV_SOURCE);
}

/* the fields of each event kind, see __index below */
static int
event_field(lua_State *L, const struct pmemset_event_context *c, const char *k)
{
	switch (c->type) {
	case PMEMSET_EVENT_COPY:
	case PMEMSET_EVENT_MOVE:
		/* copy and move have the same layout */
		if (strcmp(k, "src") == 0)
			push_integer_field(L, (uintptr_t)c->data.copy.src);
		else if (strcmp(k, "dest") == 0)
			push_integer_field(L, (uintptr_t)c->data.copy.dest);
		else if (strcmp(k, "len") == 0)
			push_integer_field(L, c->data.copy.len);
		else if (strcmp(k, "flags") == 0)
			push_integer_field(L, c->data.copy.flags);
		else
			return 0;
		return 1;
	case PMEMSET_EVENT_SET:
		if (strcmp(k, "dest") == 0)
			push_integer_field(L, (uintptr_t)c->data.set.dest);
		else if (strcmp(k, "value") == 0)
			lua_pushinteger(L, c->data.set.value);
		else if (strcmp(k, "len") == 0)
			push_integer_field(L, c->data.set.len);
		else if (strcmp(k, "flags") == 0)
			push_integer_field(L, c->data.set.flags);
		else
			return 0;
		return 1;
	case PMEMSET_EVENT_FLUSH:
	case PMEMSET_EVENT_PERSIST:
	case PMEMSET_EVENT_REMOVE_RANGE:
	case PMEMSET_EVENT_PART_REMOVE:
	case PMEMSET_EVENT_PART_ADD:
		/* these payloads all start with addr, len */
		if (strcmp(k, "addr") == 0)
			push_integer_field(L, (uintptr_t)c->data.flush.addr);
		else if (strcmp(k, "len") == 0)
			push_integer_field(L, c->data.flush.len);
		else
			return 0;
		return 1;
	case PMEMSET_EVENT_SDS_UPDATE:
		if (strcmp(k, "sds") == 0)
			lp_push_sds_table(L, c->data.sds_update.sds);
		else if (strcmp(k, "source") == 0)
			push_source(L, c->data.sds_update.src);
		else
			return 0;
		return 1;
	case PMEMSET_EVENT_BADBLOCK:
		if (strcmp(k, "offset") == 0)
			push_integer_field(L, c->data.badblock.bb->offset);
		else if (strcmp(k, "length") == 0)
			push_integer_field(L, c->data.badblock.bb->length);
		else if (strcmp(k, "source") == 0)
			push_source(L, c->data.badblock.src);
		else
			return 0;
		return 1;
	case PMEMSET_EVENT_BADBLOCKS_CLEARED:
		if (strcmp(k, "source") != 0)
			return 0;
		push_source(L, c->data.badblocks_cleared.src);
		return 1;
	default:
		return 0;
	}
}

/*
 * __index: upvalue 1 is the event metatable (a cheaper type check than
 * luaL_checkudata's registry lookup), upvalue 2 the list of event names.
 */
static int
event_index(lua_State *L)
{
	struct levent *ev = lua_touserdata(L, 1);
	if (ev == NULL || !lua_getmetatable(L, 1) ||
	    !lua_rawequal(L, -1, lua_upvalueindex(1)))
		return luaL_typeerror(L, 1, LPMEMSET_EVENT);
	const char *k = luaL_checkstring(L, 2);
	if (!ev->valid)
		return luaL_error(L, "event used after its handler returned "
				     "(copy the fields you need)");
	if (strcmp(k, "type") == 0) {
		lua_rawgeti(L, lua_upvalueindex(2),
			    (lua_Integer)ev->ctx.type + 1);
		return 1;
	}
	if (!event_field(L, &ev->ctx, k))
		lua_pushnil(L);
	return 1;
}

/***
 * Events.
 * @submodule pmemset
 */

/***
 * The event a handler receives as its second argument: one object per set,
 * refilled for each event and valid only while the handler runs (copy the
 * fields you need).
 *
 * Fields by kind (`ev.type`): copy, move `src dest len flags`; set
 * `dest value len flags`; flush, persist, remove_range, part_add,
 * part_remove `addr len`; drain none; sds_update `sds` (a table) and
 * `source`; badblock `offset length source`; badblocks_cleared `source`.
 * `source` is a source object (`ev.source:path()`); a source a C caller
 * created is a borrowed object, valid during the handler.
 * @type event
 */

/***
 * The kind of the event.
 * @field type one of pmemset.events
 */
static int
event_tostring(lua_State *L)
{
	struct levent *ev = luaL_checkudata(L, 1, LPMEMSET_EVENT);
	if (ev->valid)
		lua_pushfstring(L, "pmemset.event (%s)",
				lp_event_names[ev->ctx.type]);
	else
		lua_pushliteral(L, "pmemset.event (expired)");
	return 1;
}

void
lp_open_event(lua_State *L)
{
	luaL_newmetatable(L, LPMEMSET_EVENT);
	lua_pushvalue(L, -1);
	lua_createtable(L, NEVENTS, 0);
	for (int i = 0; i < NEVENTS; i++) {
		lua_pushstring(L, lp_event_names[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_pushcclosure(L, event_index, 2);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, event_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pop(L, 1);
}

/*
 * lp_build_handlers -- pushes the handlers table (event number + 1 ->
 * function) of the set options at opt and returns the event mask.
 * on_event subscribes every kind; on.<name> subscribes (and overrides) one.
 */
uint64_t
lp_build_handlers(lua_State *L, int opt)
{
	uint64_t mask = 0;
	opt = lua_absindex(L, opt);
	lua_createtable(L, NEVENTS, 0);
	int t = lua_gettop(L);

	if (lua_getfield(L, opt, "on_event") != LUA_TNIL) {
		if (!lua_isfunction(L, -1))
			lp_opterror(L, "pmemset.new", "on_event",
				    "expected a function");
		for (int i = 0; i < NEVENTS; i++) {
			lua_pushvalue(L, -1);
			lua_rawseti(L, t, i + 1);
		}
		mask = PMEMSET_EVENT_MASK_ALL;
	}
	lua_pop(L, 1);

	if (lua_getfield(L, opt, "on") != LUA_TNIL) {
		if (!lua_istable(L, -1))
			lp_opterror(L, "pmemset.new", "on", "expected a table");
		lua_pushnil(L);
		while (lua_next(L, -2)) {
			lua_pushvalue(L, -2);
			int i = lp_checkname(L, -1, "pmemset.new: on",
					     lp_event_names);
			lua_pop(L, 1);
			if (!lua_isfunction(L, -1))
				luaL_error(L,
					   "pmemset.new: on.%s: expected a "
					   "function, got %s",
					   lp_event_names[i],
					   luaL_typename(L, -1));
			lua_rawseti(L, t, i + 1);
			mask |= PMEMSET_EVENT_MASK(i);
		}
	}
	lua_pop(L, 1);
	return mask;
}

void
lp_push_set(lua_State *L, struct lset *s)
{
	if (s->L == L)
		lua_pushvalue(L, s->self);
	else if (s->self_ref != LUA_NOREF)
		lua_rawgeti(L, LUA_REGISTRYINDEX, s->self_ref);
	else
		lp_objects_get(L, s);
}

/* keeps the error object of a failed handler in the set */
static void
keep_error(lua_State *L, struct lset *s, int setidx)
{
	lua_pushvalue(L, -1);
	lua_setiuservalue(L, setidx, LSET_UV_ERROR);
	s->has_handler_error = 1;
}

/* the callback's result for a handler that returned normally */
static int
handler_result(lua_State *L, enum pmemset_event type)
{
	if (type != PMEMSET_EVENT_BADBLOCKS_CLEARED)
		return 0; /* the only event whose result the core honours */
	if (lua_type(L, -2) == LUA_TBOOLEAN && !lua_toboolean(L, -2))
		return -ECANCELED;
	if (lua_type(L, -2) == LUA_TNUMBER) {
		lua_Integer v = lua_tointeger(L, -2);
		return v < INT32_MIN || v > INT32_MAX ? -ECANCELED : (int)v;
	}
	return 0;
}

/* message handler of bindings: the error with a traceback */
static int
traceback(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);
	if (msg == NULL)
		msg = lua_pushfstring(L, "(error object is a %s value)",
				      luaL_typename(L, 1));
	luaL_traceback(L, L, msg, 1);
	return 1;
}

/*
 * What a delivery left above the set and event slots: nothing to tell
 * (no handler, or it accepted), an error object, or a refusal (false, why)
 * with its reason at the top.
 */
enum outcome { DELIVERED, FAILED, REFUSED };

/*
 * deliver -- runs the handler of ctx's kind, if any, with the set at setidx
 * and the event object ev at setidx + 1; the few Lua calls here are the
 * cost of every subscribed event
 */
static int
deliver(lua_State *L, struct lset *s, int setidx, struct levent *ev,
	struct pmemset_event_context *ctx, enum outcome *outcome)
{
	int msgh = 0;
	if (s->borrowed) { /* the host keeps tracebacks of its bindings */
		lua_pushcfunction(L, traceback);
		msgh = setidx + 2;
	}
	*outcome = DELIVERED;
	lua_getiuservalue(L, setidx, LSET_UV_HANDLERS);
	if (lua_rawgeti(L, -1, (lua_Integer)ctx->type + 1) != LUA_TFUNCTION)
		return 0;
	lua_pushvalue(L, setidx);
	lua_pushvalue(L, setidx + 1);
	ev->ctx = *ctx;
	ev->valid = 1;

	int removal = ctx->type == PMEMSET_EVENT_PART_REMOVE ||
		      ctx->type == PMEMSET_EVENT_REMOVE_RANGE;
	s->depth++;
	s->removing += removal;
	lp_entry_begin(s->entry, L);
	int status = lp_entry_end(s->entry, L, lua_pcall(L, 2, 2, msgh));
	s->removing -= removal;
	s->depth--;
	ev->valid = 0;
	if (ev->borrowed)
		end_borrowed(L, setidx + 1, ev);

	if (status != LUA_OK) {
		keep_error(L, s, setidx);
		*outcome = FAILED;
		return -ECANCELED;
	}
	int ret = handler_result(L, ctx->type);
	if (lua_type(L, -2) == LUA_TBOOLEAN && !lua_toboolean(L, -2))
		*outcome = REFUSED;
	return ret;
}

/* pushes the event object of a delivery in slot top + 2; NULL if none */
static struct levent *
push_event_object(lua_State *L, struct lset *s, int setidx)
{
	if (s->depth == 0) {
		lua_getiuservalue(L, setidx, LSET_UV_EVENT);
		return lua_touserdata(L, -1);
	}
	/* nested: the set's event object is in use */
	lua_pushcfunction(L, new_event_protected);
	if (lua_pcall(L, 0, 1, 0) == LUA_OK)
		return lua_touserdata(L, -1);
	keep_error(L, s, setidx);
	return NULL;
}

/* tells the observer; returns the result for the core */
static int
observe(lua_State *L, const struct lp_observer *o, struct pmemset *set,
	struct pmemset_event_context *ctx, int ret, enum outcome outcome)
{
	const char *msg = NULL;
	if (outcome != DELIVERED) {
		msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1)
						     : NULL;
		if (outcome == REFUSED && !msg)
			msg = "refused";
		if (outcome == FAILED && !msg)
			msg = "(error object is not a string)";
	}
	return o->after(set, ctx, ret, msg, outcome == REFUSED, o->arg);
}

/* the delivery of one event, with the Lua state to itself */
static int
event_callback(struct lset *s, struct pmemset *set,
	       struct pmemset_event_context *ctx)
{
	const struct lp_observer *o = s->observer;
	if (o && o->before && (o->mask & PMEMSET_EVENT_MASK(ctx->type)))
		o->before(set, ctx, o->arg);
	lua_State *L = s->L ? s->L : s->main;
	if (!lua_checkstack(L, 10))
		return -ENOMEM;
	int top = lua_gettop(L);

	lp_push_set(L, s);
	int setidx = top + 1;
	if (!lua_isuserdata(L, setidx)) { /* being collected */
		lua_settop(L, top);
		return 0;
	}
	struct pmemset *outer = s->set;
	if (s->borrowed)
		s->set = set; /* the set firing the event, for its handler */
	enum outcome outcome = FAILED;
	int ret = -ENOMEM;
	struct levent *ev = push_event_object(L, s, setidx);
	if (ev)
		ret = deliver(L, s, setidx, ev, ctx, &outcome);
	if (s->borrowed)
		s->set = outer;
	if (o && o->after && (ret || outcome != DELIVERED || o->after_always))
		ret = observe(L, o, set, ctx, ret, outcome);
	lua_settop(L, top);
	return ret;
}

int
lp_event_callback(struct pmemset *set, struct pmemset_event_context *ctx,
		  void *arg)
{
	struct lset *s = arg;
	if ((unsigned)ctx->type >= NEVENTS)
		return 0;
	if (ctx->type == PMEMSET_EVENT_PART_REMOVE ||
	    ctx->type == PMEMSET_EVENT_REMOVE_RANGE)
		s->remove_gen++; /* part objects may be stale from here */
	lp_binding_enter(s);
	int ret = event_callback(s, set, ctx);
	lp_binding_leave(s);
	return ret;
}
