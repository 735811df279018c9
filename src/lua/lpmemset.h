/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lpmemset.h -- the Lua 5.4 binding of libpmemset: shared declarations of
 * the C files of src/lua (not a public interface, except the two luaopen_
 * entry points which embedding hosts call).
 */

#ifndef LPMEMSET_H
#define LPMEMSET_H 1

#include <stdint.h>

#include <lua.h>
#include <lauxlib.h>

#include <libpmemset.h>
#include <pmemset_ext.h>

/* metatable names */
#define LPMEMSET_SET	"pmemset.set"
#define LPMEMSET_SOURCE "pmemset.source"
#define LPMEMSET_PART	"pmemset.part"
#define LPMEMSET_EVENT	"pmemset.event"

/* registry key of the weak table lightuserdata(C object) -> Lua object */
#define LPMEMSET_OBJECTS "pmemset.objects"

/* the module is built with hidden visibility: only these two are exported */
#define LPMEMSET_EXPORT __attribute__((visibility("default")))

/* the whole module: the C core and the embedded pure-Lua helpers */
LPMEMSET_EXPORT int luaopen_pmemset(lua_State *L);
/* the C core only */
LPMEMSET_EXPORT int luaopen_pmemset_core(lua_State *L);

/* --- lutil.c --- */

/* push nil, message, code name; returns 3 (for "return lp_fail(...)") */
int lp_fail(lua_State *L, int code, const char *what);
/* pushes the name of an error code ("PMEMSET_E_...", "ENOENT", ...) */
void lp_push_errname(lua_State *L, int code);
/* fills t (at index) with every PMEMSET_E_ and PMEM2_E_ name -> code */
void lp_push_errors(lua_State *L);

/* a size: non-negative integer or "64K"/"2M"/"1G"...; raises on error */
size_t lp_checksize(lua_State *L, int idx, const char *what);
/* parses a size string; returns 0 on success, else a static reason */
const char *lp_parse_size(const char *s, size_t *size);

/*
 * Option tables: lp_checkopts raises an error naming the first key of the
 * table at idx that is not in the NULL-terminated list keys.
 */
void lp_checkopts(lua_State *L, int idx, const char *fname,
		  const char *const keys[]);
/* index of s in the NULL-terminated list names, or raises naming what */
int lp_checkname(lua_State *L, int idx, const char *what,
		 const char *const names[]);
/* raise "bad option 'key' of fname: msg" */
int lp_opterror(lua_State *L, const char *fname, const char *key,
		const char *msg);

/* weak registry of C object -> Lua object */
void lp_objects_put(lua_State *L, const void *key, int idx);
/* forgets key if it still names the object at idx */
void lp_objects_del(lua_State *L, const void *key, int idx);
/* pushes the Lua object of key, or nil */
void lp_objects_get(lua_State *L, const void *key);

/* memory-operation flags: integer or list of names */
unsigned lp_checkmemflags(lua_State *L, int idx);
void lp_push_memflags(lua_State *L);

/* --- lsource.c --- */

struct lsource {
	struct pmemset_source *src;
	enum pmemset_part_state state; /* written by pmemset_map (SDS) */
	int has_sds;
};

struct lsource *lp_checksource(lua_State *L, int idx);
void lp_open_source(lua_State *L);

/* --- lsds.c --- */

/* the state names by bit number, NULL-terminated (also the host's) */
extern const char *const lp_state_names[];
/* the name of one state bit, NULL for anything else */
const char *lp_state_name(enum pmemset_part_state state);
/* pushes {id=, usc=, refcount=} (also for the host's events) */
void lp_push_sds_table(lua_State *L, const struct pmemset_sds *sds);
/* an sds userdata or a table at idx into *sds; raises on misuse */
void lp_checksds(lua_State *L, int idx, struct pmemset_sds *sds);
/* pmemset.badblock_clear(bb, src) */
int lp_badblock_clear(lua_State *L);
void lp_open_sds(lua_State *L);

/* --- lset.c --- */

/* user values of a set userdata */
enum lset_uv {
	LSET_UV_HANDLERS = 1, /* table: event number + 1 -> function */
	LSET_UV_POLICY,	      /* function or nil */
	LSET_UV_ERROR,	      /* last handler or policy error message */
	LSET_UV_EVENT,	      /* the reusable event userdata */
	LSET_UV_COUNT = LSET_UV_EVENT
};

struct lset {
	struct pmemset *set;		  /* NULL once closed */
	struct pmem2_vm_reservation *rsv; /* owned, deleted after the set */
	/*
	 * The thread and stack slot of the set userdata of the binding call
	 * now running on this set (see lset_enter); L is NULL when no call
	 * is running, and events then run on the main thread.
	 */
	lua_State *L;
	int self;
	lua_State *main; /* the main thread of the set's Lua state */
	int depth;	 /* handlers running now (nesting) */
	int has_handler_error;
	enum pmemset_coalescing coalescing;
};

struct lset *lp_checkset(lua_State *L, int idx);
/* like lp_checkset but raises if the set is closed */
struct lset *lp_checkopenset(lua_State *L, int idx);

/*
 * Bracket every core call that may fire events or consult the state
 * policy: handlers then run on L with the set userdata at stack slot idx.
 */
struct lset_call {
	lua_State *L;
	int self;
};
void lset_enter(struct lset *s, lua_State *L, int idx, struct lset_call *c);
void lset_leave(struct lset *s, const struct lset_call *c);

/* raises if a handler of this set is running (the set may be locked) */
void lset_check_not_in_handler(lua_State *L, struct lset *s, const char *what);

void lp_open_set(lua_State *L);

/* --- levent.c --- */

/* the event names by enum pmemset_event, NULL-terminated (also the host's) */
extern const char *const lp_event_names[];
/* the core callback; arg is the struct lset */
int lp_event_callback(struct pmemset *set, struct pmemset_event_context *ctx,
		      void *arg);
/*
 * Reads on_event / on of the options at opt into the handlers table pushed
 * on the stack; returns the event mask.
 */
uint64_t lp_build_handlers(lua_State *L, int opt);
/* pushes a new event userdata */
void lp_new_event(lua_State *L);
/* pushes the set userdata on L (the running call's, else by lookup) */
void lp_push_set(lua_State *L, struct lset *s);
void lp_open_event(lua_State *L);

/* --- lpolicy.c --- */

/*
 * pushes the info table a state policy receives: state, path, device_id,
 * usc, use_count, stored (an SDS table); the host's policies get it too
 */
void lp_push_state_info(lua_State *L, const struct pmemset_state_info *info);

int lp_state_policy(const struct pmemset_state_info *info, char *why,
		    size_t why_len, void *arg);
/* list of names at idx -> state mask; raises naming what */
uint64_t lp_checkstates(lua_State *L, int idx, const char *what);

/* --- lpart.c --- */

struct lpart {
	uintptr_t addr; /* start of the part map when the object was made */
	size_t size;	/* its size then (refreshed by every lookup) */
};

struct lpart *lp_checkpart(lua_State *L, int idx);
/* pushes a part object of the set at setidx */
void lp_push_part(lua_State *L, int setidx, uintptr_t addr, size_t size);
void lp_open_part(lua_State *L);

/* --- lhealth.c: src:device(), src:sds_state(), src:badblocks() --- */
void lp_open_health(lua_State *L);

/* --- lemu.c, linventory.c --- */
void lp_open_emu(lua_State *L);
void lp_open_inventory(lua_State *L);

#endif /* LPMEMSET_H */
