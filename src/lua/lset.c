/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lset.c -- pmemset.new and the set object: configuration, mapping,
 * iteration, removal and teardown.
 *
 * Handlers run on the thread of the binding call that fired the event
 * (lset_enter records it with the stack slot of the set userdata). Events
 * fired from C calls on a set created here (an embedding host) run on the
 * main thread of the Lua state.
 */

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libpmem2.h>

#include "lpmemset.h"

static const char *const granularity_names[] = { "byte", "cache_line", "page",
						 NULL };
static const char *const coalescing_names[] = { "none", "opportunistic", "full",
						NULL };
static const char *const set_opts[] = {
	"granularity", "reservation", "acceptable_states",
	"coalescing",  "on_event",    "on",
	NULL
};

static struct lset *
toset(lua_State *L, int idx)
{
	return luaL_checkudata(L, idx, LPMEMSET_SET);
}

struct lset *
lp_checkset(lua_State *L, int idx)
{
	return toset(L, idx);
}

struct lset *
lp_checkopenset(lua_State *L, int idx)
{
	struct lset *s = toset(L, idx);
	if (s->set == NULL)
		luaL_argerror(L, idx, "set is closed");
	return s;
}

void
lset_enter(struct lset *s, lua_State *L, int idx, struct lset_call *c)
{
	c->L = s->L;
	c->self = s->self;
	s->L = L;
	s->self = lua_absindex(L, idx);
}

void
lset_leave(struct lset *s, const struct lset_call *c)
{
	s->L = c->L;
	s->self = c->self;
}

void
lset_check_not_removing(lua_State *L, struct lset *s, const char *what)
{
	if (s->removing > 0)
		luaL_error(L,
			   "%s: not allowed in a part_remove or remove_range "
			   "handler of the same set (the core holds the "
			   "set's lock)",
			   what);
}

void
lset_check_not_in_handler(lua_State *L, struct lset *s, const char *what)
{
	if (s->depth > 0)
		luaL_error(L,
			   "%s: not allowed in an event handler or state "
			   "policy of the same set (the core may hold the "
			   "set's lock)",
			   what);
}

/* options of pmemset.new, validated before anything is created */
struct set_options {
	int has_granularity;
	enum pmem2_granularity granularity;
	size_t reservation;
	int has_states;
	uint64_t states;
	int has_policy;
	int has_coalescing;
	enum pmemset_coalescing coalescing;
};

static void
read_options(lua_State *L, int idx, struct set_options *o)
{
	memset(o, 0, sizeof(*o));
	luaL_checktype(L, idx, LUA_TTABLE);
	lp_checkopts(L, idx, "pmemset.new", set_opts);

	if (lua_getfield(L, idx, "granularity") != LUA_TNIL) {
		o->granularity = (enum pmem2_granularity)lp_checkname(
			L, -1, "pmemset.new: granularity", granularity_names);
		o->has_granularity = 1;
	}
	if (lua_getfield(L, idx, "reservation") != LUA_TNIL) {
		o->reservation =
			lp_checksize(L, -1, "pmemset.new: reservation");
		if (o->reservation == 0)
			luaL_error(L,
				   "pmemset.new: reservation: must not be 0");
	}
	switch (lua_getfield(L, idx, "acceptable_states")) {
	case LUA_TNIL:
		break;
	case LUA_TFUNCTION:
		o->has_policy = 1;
		break;
	case LUA_TTABLE:
		o->states =
			lp_checkstates(L, -1, "pmemset.new: acceptable_states");
		o->has_states = 1;
		break;
	default:
		lp_opterror(L, "pmemset.new", "acceptable_states",
			    "expected a list of state names or a function");
	}
	if (lua_getfield(L, idx, "coalescing") != LUA_TNIL) {
		o->coalescing = (enum pmemset_coalescing)lp_checkname(
			L, -1, "pmemset.new: coalescing", coalescing_names);
		o->has_coalescing = 1;
	}
	lua_pop(L, 4);
}

static void
release(struct lset *s)
{
	if (s->borrowed) {
		s->set = NULL; /* the C caller owns its sets */
		return;
	}
	if (s->set) {
		struct pmemset *set = s->set;
		pmemset_delete(&s->set);
		if (s->observer && s->observer->closed)
			s->observer->closed(set, s->observer->arg);
	}
	if (s->rsv)
		pmem2_vm_reservation_delete(&s->rsv);
}

/* registry key of the observer of a Lua state (a light userdata) */
#define LPMEMSET_OBSERVER "pmemset.observer"

void
lp_set_observer(lua_State *L, const struct lp_observer *o)
{
	lua_pushlightuserdata(L, (void *)o);
	lua_setfield(L, LUA_REGISTRYINDEX, LPMEMSET_OBSERVER);
}

/* the core's acceptable states when a set names none */
#define DEFAULT_STATES                                                         \
	((uint64_t)(PMEMSET_PART_STATE_OK |                                    \
		    PMEMSET_PART_STATE_OK_BUT_ALREADY_OPEN))

static const struct lp_observer *
get_observer(lua_State *L)
{
	lua_getfield(L, LUA_REGISTRYINDEX, LPMEMSET_OBSERVER);
	const struct lp_observer *o = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return o;
}

/*
 * state_policy -- how the config learns acceptable states: a function
 * goes through lp_state_policy; a list, or none (the core's default list),
 * too when an observer wants to see the states (lp_state_policy then
 * checks the list), else the core's mask
 */
static int
set_state_policy(struct pmemset_config *cfg, struct lset *s,
		 const struct set_options *o)
{
	if (o->has_policy) {
		pmemset_config_set_state_policy(cfg, lp_state_policy, s);
		return 0;
	}
	if (s->observer && s->observer->state) {
		/* also without states: a policy reload may bring some */
		s->has_state_list = 1;
		s->state_list = o->has_states ? o->states : DEFAULT_STATES;
		pmemset_config_set_state_policy(cfg, lp_state_policy, s);
		return 0;
	}
	if (!o->has_states)
		return 0;
	return pmemset_config_set_acceptable_states(cfg, o->states);
}

/* builds the core config; returns 0 or an error code */
static int
make_config(struct pmemset_config **cfg, struct lset *s,
	    const struct set_options *o, uint64_t mask)
{
	int ret = pmemset_config_new(cfg);
	if (ret)
		return ret;
	if (o->has_granularity)
		ret = pmemset_config_set_required_store_granularity(
			*cfg, o->granularity);
	if (!ret)
		ret = set_state_policy(*cfg, s, o);
	if (!ret && mask)
		ret = pmemset_config_set_event_mask(*cfg, mask);
	if (ret) {
		pmemset_config_delete(cfg);
		return ret;
	}
	if (mask)
		pmemset_config_set_event_callback(*cfg, lp_event_callback, s);
	if (s->rsv)
		pmemset_config_set_reservation(*cfg, s->rsv);
	return 0;
}

/*
 * init_set -- the set userdata s at the top gets the handlers table below
 * it, the state policy of the options at opt, its event object, its main
 * thread and the observer; returns its stack index
 */
static int
init_set(lua_State *L, struct lset *s, int opt)
{
	int setidx = lua_gettop(L);
	s->self_ref = LUA_NOREF;
	lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
	s->main = lua_tothread(L, -1);
	lua_pop(L, 1);
	lua_pushvalue(L, setidx - 1);
	lua_setiuservalue(L, setidx, LSET_UV_HANDLERS);
	lua_getfield(L, opt, "acceptable_states");
	lua_setiuservalue(L, setidx, LSET_UV_POLICY);
	lp_new_event(L);
	lua_setiuservalue(L, setidx, LSET_UV_EVENT);
	s->observer = get_observer(L);
	s->entry = lp_entry_hooks(L);
	return setidx;
}

/***
 * Sets: pmemset.new and the set object.
 * @submodule pmemset
 */

/***
 * Creates a set.
 * @function new
 * @tparam table opts `granularity` ("byte", "cache_line", "page"),
 * `reservation` (a size: the set owns a reservation that large),
 * `acceptable_states` (a list of state names, or a function
 * `(state, info) -> ok [, why]`), `coalescing` ("none", "opportunistic",
 * "full"), `on_event` (a handler `(set, ev)` of every kind), `on` (event
 * name -> handler). Only subscribed kinds enter Lua.
 * @treturn set the set, or nil, message, code
 */
static int
set_new(lua_State *L)
{
	struct set_options o;
	read_options(L, 1, &o);
	/*
	 * removals are always seen, to know which part objects may be stale
	 * (remove_gen) and when parts are being unmapped (removing)
	 */
	uint64_t mask = lp_build_handlers(L, 1) | /* handlers at top */
			PMEMSET_EVENT_MASK(PMEMSET_EVENT_PART_REMOVE) |
			PMEMSET_EVENT_MASK(PMEMSET_EVENT_REMOVE_RANGE);

	struct lset *s = lua_newuserdatauv(L, sizeof(*s), LSET_UV_COUNT);
	memset(s, 0, sizeof(*s));
	luaL_setmetatable(L, LPMEMSET_SET);
	int setidx = init_set(L, s, 1);
	if (s->observer)
		mask |= s->observer->mask;

	int ret = 0;
	if (o.reservation) {
		ret = pmemset_vm_reservation_new(&s->rsv, o.reservation);
		if (ret) {
			/* libpmem2's message, not a stale one of pmemset */
			lua_pushnil(L);
			lua_pushfstring(L, "cannot reserve %I bytes: %s",
					(lua_Integer)o.reservation,
					pmem2_errormsg());
			lp_push_errname(L, ret);
			return 3;
		}
	}
	struct pmemset_config *cfg;
	ret = make_config(&cfg, s, &o, mask);
	if (ret) {
		release(s);
		return lp_fail(L, ret, "cannot configure the set");
	}
	ret = pmemset_new(&s->set, cfg);
	pmemset_config_delete(&cfg);
	if (!ret && o.has_coalescing) {
		ret = pmemset_set_contiguous_part_coalescing(s->set,
							     o.coalescing);
		s->coalescing = o.coalescing;
	}
	if (ret) {
		release(s);
		return lp_fail(L, ret, "cannot create the set");
	}
	lp_objects_put(L, s, setidx);
	return 1;
}

static const char *const map_opts[] = { "offset", "length", NULL };

/* the map config of the options at idx (nil: whole source) */
static int
map_config(lua_State *L, int idx, struct pmemset_map_config **cfg)
{
	size_t offset = 0, length = 0;
	if (!lua_isnoneornil(L, idx)) {
		luaL_checktype(L, idx, LUA_TTABLE);
		lp_checkopts(L, idx, "set:map", map_opts);
		if (lua_getfield(L, idx, "offset") != LUA_TNIL)
			offset = lp_checksize(L, -1, "set:map: offset");
		if (lua_getfield(L, idx, "length") != LUA_TNIL)
			length = lp_checksize(L, -1, "set:map: length");
		lua_pop(L, 2);
	}
	int ret = pmemset_map_config_new(cfg);
	if (!ret)
		ret = pmemset_map_config_set_offset(*cfg, offset);
	if (ret) {
		pmemset_map_config_delete(cfg);
		return ret;
	}
	pmemset_map_config_set_length(*cfg, length);
	return 0;
}

/* the message of the last handler error, consumed */
static const char *
take_handler_error(lua_State *L, struct lset *s, int setidx)
{
	if (!s->has_handler_error)
		return NULL;
	lua_getiuservalue(L, setidx, LSET_UV_ERROR);
	const char *msg = luaL_tolstring(L, -1, NULL);
	lua_pushnil(L);
	lua_setiuservalue(L, setidx, LSET_UV_ERROR);
	s->has_handler_error = 0;
	return msg;
}

/* failure triple of a call that may have failed because of a handler */
static int
set_fail(lua_State *L, struct lset *s, int ret, const char *what)
{
	const char *herr = take_handler_error(L, s, 1);
	if (!herr)
		return lp_fail(L, ret, what);
	const char *msg =
		lua_pushfstring(L, "%s: event handler failed: %s", what, herr);
	lua_pushnil(L);
	lua_pushstring(L, msg);
	lp_push_errname(L, ret);
	return 3;
}

/***
 * A set of part maps.
 * @type set
 */

/***
 * Maps a source into the set.
 * @function set:map
 * @tparam source src the source
 * @tparam[opt] table opts `offset`, `length` (sizes; 0 maps the rest)
 * @treturn part the part map holding the new part (with coalescing, the
 * grown one), or nil, message, code
 */
static int
set_map(lua_State *L)
{
	struct lset *s = lp_checkopenset(L, 1);
	struct lsource *src = lp_checksource(L, 2);
	lset_check_not_in_handler(L, s, "set:map");
	struct pmemset_map_config *cfg;
	int ret = map_config(L, 3, &cfg);
	if (ret)
		return lp_fail(L, ret, "cannot configure the mapping");

	struct pmemset_part_descriptor desc;
	struct lset_call c;
	s->has_handler_error = 0;
	lset_enter(s, L, 1, &c);
	ret = pmemset_map(s->set, src->src, cfg, &desc);
	lset_leave(s, &c);
	pmemset_map_config_delete(&cfg);
	if (ret)
		return set_fail(L, s, ret, "cannot map the source");
	/* the part map holding the new part (coalescing may have grown one) */
	struct pmemset_part_map *pmap;
	if (pmemset_part_map_by_address(s->set, &pmap, desc.addr))
		return lp_fail(L, PMEMSET_E_PART_NOT_FOUND,
			       "the new part is gone");
	struct pmemset_part_descriptor d = pmemset_descriptor_part_map(pmap);
	uint64_t serial = pmemset_part_map_serial(pmap);
	pmemset_part_map_drop(&pmap);
	lp_push_part(L, 1, &d, serial);
	return 1;
}

/***
 * Iterates over the part maps present when it is called.
 * @function set:parts
 * @treturn function an iterator of part objects
 */
static int
parts_next(lua_State *L)
{
	lua_Integer i = lua_tointeger(L, lua_upvalueindex(2)) + 1;
	lua_pushinteger(L, i);
	lua_replace(L, lua_upvalueindex(2));
	lua_rawgeti(L, lua_upvalueindex(1), i);
	return 1;
}

static int
set_parts(lua_State *L)
{
	struct lset *s = lp_checkopenset(L, 1);
	lset_check_not_in_handler(L, s, "set:parts");
	/* collect first: nothing may raise while we hold references */
	size_t n = pmemset_part_map_count(s->set);
	struct pmemset_part_descriptor *d =
		lua_newuserdatauv(L, (n + 1) * sizeof(*d), 0);
	uint64_t *serial = lua_newuserdatauv(L, (n + 1) * sizeof(*serial), 0);
	size_t k = 0;
	struct pmemset_part_map *pmap, *next;
	pmemset_first_part_map(s->set, &pmap);
	while (pmap && k < n) {
		serial[k] = pmemset_part_map_serial(pmap);
		d[k++] = pmemset_descriptor_part_map(pmap);
		pmemset_next_part_map(s->set, pmap, &next);
		pmemset_part_map_drop(&pmap);
		pmap = next;
	}
	if (pmap)
		pmemset_part_map_drop(&pmap);

	lua_createtable(L, (int)k, 0);
	for (size_t i = 0; i < k; i++) {
		lp_push_part(L, 1, &d[i], serial[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_pushinteger(L, 0);
	lua_pushcclosure(L, parts_next, 2);
	return 1;
}

/* the set of a part object at idx must be the set at slot 1 */
static struct lpart *
check_own_part(lua_State *L, int idx)
{
	struct lpart *p = lp_checkpart(L, idx);
	lua_getiuservalue(L, idx, 1);
	int own = lua_rawequal(L, -1, 1);
	lua_pop(L, 1);
	if (!own)
		luaL_argerror(L, idx, "part of another set");
	return p;
}

/***
 * The part map containing an address.
 * @function set:part_at
 * @tparam integer addr the address
 * @treturn part the part, or nil, message, code
 */
static int
set_part_at(lua_State *L)
{
	struct lset *s = lp_checkopenset(L, 1);
	lua_Integer addr = luaL_checkinteger(L, 2);
	lset_check_not_in_handler(L, s, "set:part_at");
	struct pmemset_part_map *pmap;
	int ret = pmemset_part_map_by_address(s->set, &pmap,
					      (void *)(uintptr_t)addr);
	if (ret)
		return lp_fail(L, ret, "no part at this address");
	struct pmemset_part_descriptor d = pmemset_descriptor_part_map(pmap);
	uint64_t serial = pmemset_part_map_serial(pmap);
	pmemset_part_map_drop(&pmap);
	lp_push_part(L, 1, &d, serial);
	return 1;
}

/***
 * Removes a part map from the set.
 * @function set:remove
 * @tparam part part a part of this set
 * @treturn boolean true, or nil, message, code
 */
static int
set_remove(lua_State *L)
{
	struct lset *s = lp_checkopenset(L, 1);
	struct lpart *p = check_own_part(L, 2);
	lset_check_not_in_handler(L, s, "set:remove");
	struct pmemset_part_map *pmap;
	int ret = pmemset_part_map_by_address(s->set, &pmap, (void *)p->addr);
	if (ret)
		return lp_fail(L, ret, "part is no longer mapped");
	if ((uintptr_t)pmemset_descriptor_part_map(pmap).addr != p->addr ||
	    pmemset_part_map_serial(pmap) != p->serial) {
		pmemset_part_map_drop(&pmap);
		lua_pushnil(L);
		lua_pushliteral(L, "part is no longer mapped");
		lp_push_errname(L, PMEMSET_E_PART_NOT_FOUND);
		return 3;
	}
	struct lset_call c;
	s->has_handler_error = 0;
	lset_enter(s, L, 1, &c);
	ret = pmemset_remove_part_map(s->set, &pmap);
	lset_leave(s, &c);
	s->remove_gen++; /* also when it failed half-way */
	if (ret) {
		pmemset_part_map_drop(&pmap);
		return set_fail(L, s, ret, "cannot remove the part");
	}
	lua_pushboolean(L, 1);
	return 1;
}

/***
 * Removes the parts in a range of addresses (part maps are split).
 * @function set:remove_range
 * @tparam integer addr the start
 * @tparam integer|string len a size
 * @treturn boolean true, or nil, message, code
 */
static int
set_remove_range(lua_State *L)
{
	struct lset *s = lp_checkopenset(L, 1);
	lua_Integer addr = luaL_checkinteger(L, 2);
	size_t len = lp_checksize(L, 3, "len");
	lset_check_not_in_handler(L, s, "set:remove_range");
	struct lset_call c;
	s->has_handler_error = 0;
	lset_enter(s, L, 1, &c);
	int ret = pmemset_remove_range(s->set, (void *)(uintptr_t)addr, len);
	lset_leave(s, &c);
	s->remove_gen++;
	if (ret)
		return set_fail(L, s, ret, "cannot remove the range");
	lua_pushboolean(L, 1);
	return 1;
}

/***
 * The effective store granularity.
 * @function set:granularity
 * @treturn string "byte", "cache_line" or "page", or nil, message, code
 */
static int
set_granularity(lua_State *L)
{
	struct lset *s = lp_checkopenset(L, 1);
	lset_check_not_removing(L, s, "set:granularity");
	enum pmem2_granularity g;
	int ret = pmemset_get_store_granularity(s->set, &g);
	if (ret)
		return lp_fail(L, ret, "no effective granularity");
	lua_pushstring(L, granularity_names[g]);
	return 1;
}

/***
 * Gets or sets the coalescing of the parts mapped from now on.
 * @function set:coalescing
 * @tparam[opt] string mode "none", "opportunistic" or "full"
 * @return the mode without an argument; true, or nil, message, code
 */
static int
set_coalescing(lua_State *L)
{
	struct lset *s = lp_checkopenset(L, 1);
	if (lua_isnoneornil(L, 2)) {
		lua_pushstring(L, coalescing_names[s->coalescing]);
		return 1;
	}
	enum pmemset_coalescing mode = (enum pmemset_coalescing)lp_checkname(
		L, 2, "set:coalescing: mode", coalescing_names);
	lset_check_not_removing(L, s, "set:coalescing");
	int ret = pmemset_set_contiguous_part_coalescing(s->set, mode);
	if (ret)
		return lp_fail(L, ret, "cannot set coalescing");
	s->coalescing = mode;
	lua_pushboolean(L, 1);
	return 1;
}

/***
 * Waits for the stores flushed so far (fires a drain event).
 * @function set:drain
 * @treturn boolean true
 */
static int
set_drain(lua_State *L)
{
	struct lset *s = lp_checkopenset(L, 1);
	struct lset_call c;
	lset_enter(s, L, 1, &c);
	pmemset_drain(s->set);
	lset_leave(s, &c);
	lua_pushboolean(L, 1);
	return 1;
}

/***
 * The number of part maps.
 * @function set:count
 * @treturn integer
 */
static int
set_count(lua_State *L)
{
	struct lset *s = lp_checkopenset(L, 1);
	lset_check_not_removing(L, s, "set:count");
	lua_pushinteger(L, (lua_Integer)pmemset_part_map_count(s->set));
	return 1;
}

/***
 * The reservation the set owns (from the reservation option).
 * @function set:reservation
 * @return its address and size, or nil when the set has none
 */
static int
set_reservation(lua_State *L)
{
	struct lset *s = lp_checkopenset(L, 1);
	if (!s->rsv) {
		lua_pushnil(L);
		return 1;
	}
	void *addr = pmem2_vm_reservation_get_address(s->rsv);
	lua_pushinteger(L, (lua_Integer)(uintptr_t)addr);
	lua_pushinteger(L, (lua_Integer)pmem2_vm_reservation_get_size(s->rsv));
	return 2;
}

/***
 * The last error of a handler or state policy of this set, consumed.
 * @function set:handler_error
 * @return the error object, or nil
 */
static int
set_handler_error(lua_State *L)
{
	struct lset *s = lp_checkset(L, 1);
	if (!take_handler_error(L, s, 1))
		lua_pushnil(L);
	return 1;
}

/***
 * Clears the bad block of a "badblock" event (its data reads back as
 * zeros).
 * @function set:clear_badblock
 * @tparam event ev the event of a badblock handler
 * @treturn boolean true, or nil, message, code
 */
static int
set_clear_badblock(lua_State *L)
{
	lp_checkset(L, 1);
	luaL_checkany(L, 2);
	lua_pushcfunction(L, lp_badblock_clear);
	lua_pushvalue(L, 2);
	lua_getfield(L, 2, "source");
	lua_call(L, 2, 3);
	return 3;
}

/***
 * Closes the set: unmaps every part and deletes its reservation (also
 * __close and __gc; idempotent). A set of an attached config (the
 * embeddable host) is its C caller's: close only detaches it.
 * @function set:close
 */
static int
set_close(lua_State *L)
{
	struct lset *s = toset(L, 1);
	if (s->set == NULL && s->rsv == NULL)
		return 0;
	lset_check_not_in_handler(L, s, "set:close");
	struct lset_call c;
	lset_enter(s, L, 1, &c);
	release(s);
	lset_leave(s, &c);
	lp_objects_del(L, s, 1);
	return 0;
}

static int
set_tostring(lua_State *L)
{
	struct lset *s = toset(L, 1);
	if (s->set)
		lua_pushfstring(L, "pmemset.set (%p)", (void *)s->set);
	else
		lua_pushliteral(L, "pmemset.set (closed)");
	return 1;
}

static const luaL_Reg set_methods[] = {
	{ "map", set_map },
	{ "parts", set_parts },
	{ "part_at", set_part_at },
	{ "remove", set_remove },
	{ "remove_range", set_remove_range },
	{ "granularity", set_granularity },
	{ "coalescing", set_coalescing },
	{ "drain", set_drain },
	{ "count", set_count },
	{ "reservation", set_reservation },
	{ "handler_error", set_handler_error },
	{ "clear_badblock", set_clear_badblock },
	{ "close", set_close },
	{ NULL, NULL },
};

static const luaL_Reg set_meta[] = {
	{ "__gc", set_close },
	{ "__close", set_close },
	{ "__tostring", set_tostring },
	{ "__index", NULL },
	{ NULL, NULL },
};

static const char *const policy_opts[] = { "acceptable_states", "on_event",
					   "on", NULL };

/* the acceptable_states of the policy table at idx into o (raises) */
static void
read_policy_states(lua_State *L, int idx, struct set_options *o)
{
	memset(o, 0, sizeof(*o));
	switch (lua_getfield(L, idx, "acceptable_states")) {
	case LUA_TNIL:
		break;
	case LUA_TFUNCTION:
		o->has_policy = 1;
		break;
	case LUA_TTABLE:
		o->states = lp_checkstates(L, -1, "policy: acceptable_states");
		o->has_states = 1;
		break;
	default:
		lp_opterror(L, "policy", "acceptable_states",
			    "expected a list of state names or a function");
	}
	lua_pop(L, 1);
}

uint64_t
lp_set_policy(lua_State *L, int setidx, int idx)
{
	setidx = lua_absindex(L, setidx);
	idx = lua_absindex(L, idx);
	struct lset *s = lp_checkset(L, setidx);
	luaL_checktype(L, idx, LUA_TTABLE);
	lp_checkopts(L, idx, "policy", policy_opts);
	if (!s->observer || !s->observer->state)
		luaL_error(L, "policy: only the host's sets change policy");
	struct set_options o;
	read_policy_states(L, idx, &o);
	uint64_t mask = lp_build_handlers(L, idx);
	/* nothing raises from here: the set changes whole */
	lua_setiuservalue(L, setidx, LSET_UV_HANDLERS);
	lua_getfield(L, idx, "acceptable_states");
	lua_setiuservalue(L, setidx, LSET_UV_POLICY);
	s->has_state_list = !o.has_policy;
	s->state_list = o.has_states ? o.states : DEFAULT_STATES;
	return mask | s->observer->mask;
}

void
lp_attach(lua_State *L, int idx, struct pmemset_config *cfg)
{
	idx = lua_absindex(L, idx);
	luaL_checktype(L, idx, LUA_TTABLE);
	lp_checkopts(L, idx, "policy", policy_opts);
	struct set_options o;
	read_policy_states(L, idx, &o);
	uint64_t mask = lp_build_handlers(L, idx);

	struct lset *s = lua_newuserdatauv(L, sizeof(*s), LSET_UV_COUNT);
	memset(s, 0, sizeof(*s));
	luaL_setmetatable(L, LPMEMSET_SET);
	int setidx = init_set(L, s, idx);
	s->borrowed = 1;
	if (s->observer)
		mask |= s->observer->mask;
	int ret = set_state_policy(cfg, s, &o);
	if (!ret)
		ret = pmemset_config_set_event_mask(cfg, mask);
	if (ret)
		luaL_error(L, "policy: %s", pmemset_errormsg());
	pmemset_config_set_event_callback(cfg, lp_event_callback, s);
	lp_objects_put(L, s, setidx);
	lua_pushvalue(L, setidx);
	s->self_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_remove(L, setidx - 1); /* the handlers table */
}

struct pmemset *
lp_set_handle(lua_State *L, int idx)
{
	return lp_checkset(L, idx)->set;
}

/* adds new() to the module table on the top */
void
lp_open_set(lua_State *L)
{
	luaL_newmetatable(L, LPMEMSET_SET);
	luaL_setfuncs(L, set_meta, 0);
	luaL_newlib(L, set_methods);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
	lua_pushcfunction(L, set_new);
	lua_setfield(L, -2, "new");
}
