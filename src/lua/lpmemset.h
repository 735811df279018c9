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
/* the code of such a name (-EINVAL for a name it does not know) */
int lp_errcode(const char *name);
/* fills t (at index) with every PMEMSET_E_ and PMEM2_E_ name -> code */
void lp_push_errors(lua_State *L);

/* a size: non-negative integer or "64K"/"2MiB"...; raises on error */
size_t lp_checksize(lua_State *L, int idx, const char *what);
/* the same without raising: 0, or -1 with the message pushed */
int lp_tosize(lua_State *L, int idx, size_t *size);
/*
 * lp_parse_size -- the one size grammar of pmemset (Lua sizes, layouts,
 * the host, the CLI): decimal digits, optionally followed by one unit
 * K M G T P or KiB MiB GiB TiB PiB (powers of 1024), nothing else (no
 * sign, space or fraction). NULL on success, else a static reason;
 * *size is only written on success.
 */
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
	int borrowed; /* a C caller's source: never deleted by Lua */
};

struct lsource *lp_checksource(lua_State *L, int idx);
/*
 * lp_check_not_mapped -- 0 if no mapping of this process shows the file at
 * path (or it does not exist), else -EBUSY with a message: truncating it
 * (create = "always") would turn accesses through the mapping into SIGBUS.
 */
int lp_check_not_mapped(const char *path, char *msg, size_t msglen);
/*
 * pushes a borrowed source object for src (a source created in C, seen in
 * an event); close() only detaches it, the caller's source stays
 */
struct lsource *lp_push_borrowed_source(lua_State *L,
					struct pmemset_source *src);
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
	/*
	 * PART_REMOVE and REMOVE_RANGE handlers running now: their parts may
	 * be unmapped already and the set is locked
	 */
	int removing;
	/* counts removals (events and calls): a part unchanged since its
	 * last lookup can be trusted where no lookup can be made */
	uint64_t remove_gen;
	int has_handler_error;
	enum pmemset_coalescing coalescing;
	/*
	 * A binding (lp_attach): the set object of the sets a C caller
	 * creates from an attached config. set is the set firing the event
	 * now, and NULL outside handlers: the C caller owns and deletes it.
	 */
	int borrowed;
	int self_ref; /* a binding's strong registry reference to itself */
	const struct lp_observer *observer; /* of the Lua state, or NULL */
	/* the entry hooks of the Lua state (lp_entry_register), or NULL:
	 * read once here, not from the registry at every event */
	const struct lp_entry_hooks *entry;
	/* a list acceptable_states checked by lp_state_policy (observed) */
	int has_state_list;
	uint64_t state_list;
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

/* raises in a PART_REMOVE or REMOVE_RANGE handler (the set is locked) */
void lset_check_not_removing(lua_State *L, struct lset *s, const char *what);
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

/*
 * An observer is a C hook on the event path of every set of one Lua state
 * (the embeddable host keeps its tracking keys with it): installed with
 * lp_set_observer, it is taken by the sets created afterwards, by
 * pmemset.new and by lp_attach alike. before runs ahead of the handler,
 * after once it returned (error is the message of a failed handler, or
 * NULL) and gives the result the core receives; state sees every state
 * the state policy classifies; closed follows the deletion of a set.
 * mask names the kinds the observer needs whatever the handlers
 * subscribe, and the kinds before is called for. after runs when a handler
 * failed or refused or the result is not 0, and for every event when
 * after_always is set. enter and leave bracket the use of the Lua state
 * by events and state policies of bindings (lp_attach), whose sets a C
 * caller may drive from any thread. Every function may be NULL.
 */
struct lp_observer {
	uint64_t mask;
	int after_always;
	void (*enter)(void *arg);
	void (*leave)(void *arg);
	void (*before)(struct pmemset *set,
		       const struct pmemset_event_context *ctx, void *arg);
	int (*after)(struct pmemset *set,
		     const struct pmemset_event_context *ctx, int result,
		     const char *error, int refused, void *arg);
	void (*state)(const struct pmemset_state_info *info, void *arg);
	void (*closed)(struct pmemset *set, void *arg);
	void *arg;
};

/*
 * lp_set_policy -- give the set object at setidx (a binding of lp_attach
 * or an observed set of this state) the handlers and acceptable states of
 * the policy table at idx, checked as lp_attach checks them: on a bad
 * policy it raises and the set is unchanged. Returns the event mask the
 * set needs now (handlers and observer); the caller subscribes the live
 * sets to it (pmemset_set_event_mask). An event delivered from now on
 * runs the new handlers; one running now ends with the old.
 */
uint64_t lp_set_policy(lua_State *L, int setidx, int idx);

/* the observer of the sets created from now on in L (NULL: none) */
void lp_set_observer(lua_State *L, const struct lp_observer *o);

/*
 * lp_attach -- make the policy table at idx (on, on_event,
 * acceptable_states, as pmemset.new takes them) the event callback and
 * state policy of cfg, with a binding set object that handlers receive as
 * their set. Pushes the binding, which must stay referenced while sets
 * created from cfg exist (the binding keeps a reference to itself, so
 * it lives as long as the Lua state). Raises on a bad table.
 */
void lp_attach(lua_State *L, int idx, struct pmemset_config *cfg);

/* the observer's enter/leave around a binding's use of the Lua state */
static inline void
lp_binding_enter(const struct lset *s)
{
	if (s->borrowed && s->observer && s->observer->enter)
		s->observer->enter(s->observer->arg);
}

static inline void
lp_binding_leave(const struct lset *s)
{
	if (s->borrowed && s->observer && s->observer->leave)
		s->observer->leave(s->observer->arg);
}

/* the core set of a pmemset.set at idx (NULL if closed); raises if none */
struct pmemset *lp_set_handle(lua_State *L, int idx);

/* --- lpart.c --- */

struct lpart {
	uintptr_t addr;	 /* start of the part map when the object was made */
	size_t size;	 /* its size then (refreshed by every lookup) */
	uint64_t serial; /* the part map's (pmemset_part_map_serial) */
	uint64_t gen;	 /* the set's remove_gen at the last lookup */
};

struct lpart *lp_checkpart(lua_State *L, int idx);
/* pushes a part object of the set at setidx: part map d, serial serial */
void lp_push_part(lua_State *L, int setidx,
		  const struct pmemset_part_descriptor *d, uint64_t serial);
void lp_open_part(lua_State *L);

/* --- lconfine.c --- */

/* what a path is opened for */
#define LP_CONFINE_READ	  (1U << 0) /* read a script or data file */
#define LP_CONFINE_CREATE (1U << 1) /* create, open and map a source */

struct lp_grant {
	char *dir; /* resolved, no trailing '/' (but "/") */
	size_t len;
	unsigned flags; /* LP_CONFINE_* granted */
};

/* the directories granted to a confined interpreter (owned by its host) */
struct lp_confinement {
	struct lp_grant *grants;
	size_t n;
};

/* confines every path check of L to c (call in protected mode) */
void lp_confine_register(lua_State *L, struct lp_confinement *c);
/*
 * lp_confine_path -- 0 if path may be used for need (always, when nothing
 * is registered), else -EACCES with a message naming the path and the
 * missing grant. Never raises.
 */
int lp_confine_path(lua_State *L, const char *path, unsigned need, char *msg,
		    size_t msglen);
/* the same, raising "what: message" */
void lp_check_path(lua_State *L, const char *what, const char *path,
		   unsigned need);
/* grants dir (resolved now) for flags; 0 or a negated errno */
int lp_confinement_add(struct lp_confinement *c, const char *dir,
		       unsigned flags);
void lp_confinement_fini(struct lp_confinement *c);

/* --- lentry.c --- */

/*
 * Hooks a host registers around every entry into Lua the module makes from
 * a core callback (handlers, state policies): begin before the pcall, end
 * after it with its status; end returns the status to act on (a host may
 * turn a stop into an error even if the script caught it).
 */
struct lp_entry_hooks {
	void (*begin)(void *arg, lua_State *L);
	int (*end)(void *arg, lua_State *L, int status);
	void *arg;
};

/* hooks must outlive L (call in protected mode) */
void lp_entry_register(lua_State *L, const struct lp_entry_hooks *hooks);
/* the hooks registered in L, or NULL */
const struct lp_entry_hooks *lp_entry_hooks(lua_State *L);
/* an entry bracketed by the hooks h (NULL: none) */
static inline void
lp_entry_begin(const struct lp_entry_hooks *h, lua_State *L)
{
	if (h)
		h->begin(h->arg, L);
}

static inline int
lp_entry_end(const struct lp_entry_hooks *h, lua_State *L, int status)
{
	return h ? h->end(h->arg, L, status) : status;
}

/* --- lhealth.c: src:device(), src:sds_state(), src:badblocks() --- */
void lp_open_health(lua_State *L);

/* --- lemu.c, linventory.c --- */
void lp_open_emu(lua_State *L);
void lp_open_inventory(lua_State *L);
/* lpath.c: access, file_size, realpath (for layout checks) */
void lp_open_path(lua_State *L);

#endif /* LPMEMSET_H */
