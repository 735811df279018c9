/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pmemset_lua.h -- the embeddable Lua host of libpmemset (libpmemset-lua).
 *
 * A host is one Lua 5.4 interpreter with `require "pmemset"` available. It
 * loads policy scripts (event handlers and an acceptable-state policy
 * written in Lua) and attaches them to a struct pmemset_config, maps layout
 * scripts into a struct pmemset, runs scripts, and keeps the runtime state
 * of the sets it watches as keys that C and Lua code can track.
 *
 * A policy script returns a table with any of:
 *   on = { part_add = fn, badblock = fn, ... }   handlers per event kind
 *   on_event = fn                                 handler of every kind
 *   acceptable_states = { "ok", ... }             a list of state names, or
 *   acceptable_states = fn(state, info) -> bool [, why]
 * Handlers are called as fn(set, ev) with the pmemset module's own set and
 * event objects (a handler written for pmemset.new runs unchanged here)
 * and run under pcall: an error never unwinds through C; it becomes the
 * handler's result (for the one event whose result the core honours,
 * PMEMSET_EVENT_BADBLOCKS_CLEARED) and the host's error message. Layouts
 * map through the module's layout code: one dialect (docs/layout.md). See
 * docs/host.md for the event fields and the keys.
 *
 * Every function returning int returns 0 on success or a negative code: a
 * PMEMSET_LUA_E_* value below, a negated errno, or a libpmemset code passed
 * through. Every failure leaves a message in pmemset_lua_errormsg(host).
 * All functions of one host are serialised by a lock of the host; notify
 * functions and Lua handlers run with it held and may call the host again
 * from the same thread.
 */

#ifndef PMEMSET_LUA_H
#define PMEMSET_LUA_H 1

#include <stddef.h>
#include <stdint.h>

#include <libpmemset.h>

#ifdef __cplusplus
extern "C" {
#endif

struct lua_State;
struct pmemset_lua;

/* error codes of the host (libpmemset's are -200000 ... -200038) */
#define PMEMSET_LUA_E_SCRIPT  (-300000) /* a script failed to load/run */
#define PMEMSET_LUA_E_HANDLER (-300001) /* a handler raised or refused */
#define PMEMSET_LUA_E_INVALID_SCRIPT                                           \
	(-300002) /* result is not a policy/layout */
#define PMEMSET_LUA_E_NO_POLICY	      (-300003) /* attach before load_policy */
#define PMEMSET_LUA_E_KEY_NOT_FOUND   (-300004) /* no such tracking key */
#define PMEMSET_LUA_E_TRACK_NOT_FOUND (-300005) /* no such tracking handle */
#define PMEMSET_LUA_E_LIMIT	      (-300006) /* a script hit a limit */

/* flags of pmemset_lua_new */
#define PMEMSET_LUA_SANDBOX                                                    \
	(1U << 0) /* allow-list interpreter for untrusted scripts              \
		   */
#define PMEMSET_LUA_VALID_FLAGS (PMEMSET_LUA_SANDBOX)

/*
 * pmemset_lua_new -- a new host. With PMEMSET_LUA_SANDBOX the interpreter
 * starts from nothing and gets by name what policies need (see "Security
 * model" in docs/host.md): no io, os.getenv, debug, native code or
 * bytecode; files only under granted directories (pmemset_lua_allow_path);
 * read-only globals; the default limits below. Returns -EINVAL for unknown
 * flags, -ENOMEM.
 */
int pmemset_lua_new(struct pmemset_lua **host, unsigned flags);

/*
 * pmemset_lua_delete -- delete every set the host mapped from a layout,
 * drop every tracker and close the interpreter; *host becomes NULL. Configs
 * the host was attached to must not be used to create sets afterwards, and
 * sets created from them must have been deleted before.
 */
void pmemset_lua_delete(struct pmemset_lua **host);

/*
 * Limits of every entry into Lua (a script, layout or policy run, a
 * handler, a state policy, a tracker, the finalizers run at delete). 0 is
 * no limit. Instructions and time count from the outermost entry; memory is
 * all the interpreter holds. A hit stops the script (its own pcall cannot
 * catch it) and the entry returns PMEMSET_LUA_E_LIMIT with a message naming
 * the limit and where the script was.
 */
struct pmemset_lua_limits {
	uint64_t max_instructions; /* Lua VM instructions per entry */
	uint64_t timeout_ms;	   /* wall-clock milliseconds per entry */
	size_t max_memory;	   /* bytes the interpreter may allocate */
};

/* the defaults of a sandboxed host (an unsandboxed one has none) */
#define PMEMSET_LUA_DEFAULT_MAX_INSTRUCTIONS 100000000ULL
#define PMEMSET_LUA_DEFAULT_TIMEOUT_MS	     2000ULL
#define PMEMSET_LUA_DEFAULT_MAX_MEMORY	     (64ULL << 20)

/*
 * pmemset_lua_set_limits -- replace the host's limits (NULL: none).
 * -EINVAL if max_memory is below what the interpreter holds now.
 */
int pmemset_lua_set_limits(struct pmemset_lua *host,
			   const struct pmemset_lua_limits *limits);
/* pmemset_lua_get_limits -- the limits in force */
int pmemset_lua_get_limits(struct pmemset_lua *host,
			   struct pmemset_lua_limits *limits);

/*
 * flags of pmemset_lua_allow_path: READ lets scripts read files there
 * (loadfile, dofile, host.read_file); CREATE also lets them create, open
 * and map sources there
 */
#define PMEMSET_LUA_ALLOW_READ	 (1U << 0)
#define PMEMSET_LUA_ALLOW_CREATE (1U << 1)
#define PMEMSET_LUA_ALLOW_VALID                                                \
	(PMEMSET_LUA_ALLOW_READ | PMEMSET_LUA_ALLOW_CREATE)

/*
 * pmemset_lua_allow_path -- grant a sandboxed host's scripts dir (an
 * existing directory, resolved now) and everything below it. Paths are
 * checked resolved (no "..", no symlink out); /proc, /sys and /dev are
 * reached only through a grant naming a directory inside them. A host
 * without PMEMSET_LUA_SANDBOX is not confined (grants are kept but unused).
 * -EINVAL for bad flags, -ENOENT/-ENOTDIR for dir, -ENOMEM.
 */
int pmemset_lua_allow_path(struct pmemset_lua *host, const char *dir,
			   unsigned flags);

/* the interpreter, for applications that add their own functions */
struct lua_State *pmemset_lua_state(struct pmemset_lua *host);

/* the message of the host's last failure (never NULL) */
const char *pmemset_lua_errormsg(struct pmemset_lua *host);

/*
 * pmemset_lua_load_policy -- run the script at path and keep the table it
 * returns as the host's current policy (replacing the previous one, which
 * configs already attached keep). _string: the same from code, named name
 * in messages. PMEMSET_LUA_E_SCRIPT if it fails to load or run,
 * PMEMSET_LUA_E_INVALID_SCRIPT if the result is not a valid policy table.
 */
int pmemset_lua_load_policy(struct pmemset_lua *host, const char *path);
int pmemset_lua_load_policy_string(struct pmemset_lua *host, const char *code,
				   const char *name);

/*
 * pmemset_lua_reload_policy -- run the policy script at path and, if its
 * table is a valid policy, make it at once the policy of every config the
 * host is attached to (the sets created from them included), of every set
 * the host mapped from a layout, and the host's current policy. The swap
 * happens between two events: an event is handled wholly by the old or
 * wholly by the new policy. If the script fails to load or run, or its
 * table is not a valid policy, nothing changes: the old policy stays and
 * the message says why (PMEMSET_LUA_E_SCRIPT, PMEMSET_LUA_E_INVALID_SCRIPT).
 * The layouts' sets are subscribed to the kinds the new policy handles;
 * sets C code created from attached configs keep the kinds they were
 * created with (attach the config again for new sets to get the others).
 * Called from a handler or state policy of the host's sets it fails
 * (PMEMSET_LUA_E_SCRIPT) and changes nothing.
 */
int pmemset_lua_reload_policy(struct pmemset_lua *host, const char *path);

/*
 * pmemset_lua_attach -- make the current policy the event callback of cfg
 * (pmemset_config_set_event_callback), subscribe it to the kinds it handles
 * and the kinds tracking needs (pmemset_config_set_event_mask), and, when
 * the policy has acceptable_states, install them as the state policy
 * (pmemset_config_set_state_policy). Sets created from cfg report to this
 * host until they are deleted; delete them with pmemset_lua_delete_set so
 * their keys go too. PMEMSET_LUA_E_NO_POLICY without a loaded policy.
 */
int pmemset_lua_attach(struct pmemset_lua *host, struct pmemset_config *cfg);

/*
 * pmemset_lua_map_layout -- run the layout script at path and map what it
 * describes into a new set owned by the host, through the module's
 * pmemset.layout (docs/layout.md). PMEMSET_LUA_E_SCRIPT if the script
 * fails, PMEMSET_LUA_E_INVALID_SCRIPT if the table is malformed (every
 * problem with its path in the message, nothing touched), else the core's
 * code. On failure nothing stays mapped, reserved or open, files the layout
 * created are removed, the keys are as they were, *set is NULL and the
 * message names the part that failed.
 */
int pmemset_lua_map_layout(struct pmemset_lua *host, const char *path,
			   struct pmemset **set);

/*
 * pmemset_lua_push_report -- push onto the host's Lua stack
 * (pmemset_lua_state) a table describing a set the host mapped from a
 * layout: pmemset.layout.report's { part_maps, granularity, coalescing,
 * parts = { {part, name, source, offset, addr, size, map, map_size,
 * state}... } }, plain data a caller may print or serialise. -EINVAL if
 * set is not one of the host's layouts (nothing pushed).
 */
int pmemset_lua_push_report(struct pmemset_lua *host, struct pmemset *set);

/*
 * pmemset_lua_delete_set -- delete a set the host mapped from a layout (its
 * sources, reservation and config too) or a set created from an attached
 * config, and delete its parts.* keys; *set becomes NULL (a NULL *set is
 * a no-op).
 */
int pmemset_lua_delete_set(struct pmemset_lua *host, struct pmemset **set);

/*
 * pmemset_lua_run_file -- run the script at path with argv[0..argc-1] as
 * its arguments: in the global table arg (arg[0] is path) and as the
 * chunk's varargs, like lua5.4. pmemset_lua_run_string -- run code, named
 * name in messages. On an error the message holds a traceback.
 */
int pmemset_lua_run_file(struct pmemset_lua *host, const char *path, int argc,
			 char *const argv[]);
int pmemset_lua_run_string(struct pmemset_lua *host, const char *code,
			   const char *name);

/*
 * An event observer sees every event the host receives, after the keys were
 * updated and the handler ran; result is what the host returned to the
 * core (0, or the handler's refusal).
 */
typedef void pmemset_lua_event_observer(struct pmemset *set,
					const struct pmemset_event_context *ctx,
					int result, void *arg);
void pmemset_lua_set_event_observer(struct pmemset_lua *host,
				    pmemset_lua_event_observer *observer,
				    void *arg);

/* the name of an event kind ("part_add", ...), NULL if out of range */
const char *pmemset_lua_event_name(enum pmemset_event type);
/* the name of a part state ("ok", "corrupted", ...), NULL if not one */
const char *pmemset_lua_state_name(enum pmemset_part_state state);

/*
 * Tracking, after corosync's cmap_track_add. Keys are dotted names
 * ("parts.0.addr") holding an unsigned integer or a string. The host keeps
 *   parts.<n>.addr .size .source [.state]  per part mapped (n counts up)
 *   sds.<device-id>.usc                    per device of an SDS report
 *   sources.<path>.refcount                SDS count of a source (its
 *                                          parts mapped and not closed)
 *   badblocks.<source>.<offset>            length of a bad block not cleared
 * and applications may keep their own keys beside them.
 */
#define PMEMSET_LUA_TRACK_ADD	 (1 << 0)
#define PMEMSET_LUA_TRACK_DELETE (1 << 1)
#define PMEMSET_LUA_TRACK_MODIFY (1 << 2)
#define PMEMSET_LUA_TRACK_PREFIX                                               \
	(1 << 3) /* key is a prefix; never notified                            \
		  */

enum pmemset_lua_value_type {
	PMEMSET_LUA_VALUE_UNSET,
	PMEMSET_LUA_VALUE_U64,
	PMEMSET_LUA_VALUE_STRING,
};

/* a key's value; str is valid until the key changes (in a notify: until
 * the notify function returns) */
struct pmemset_lua_value {
	enum pmemset_lua_value_type type;
	uint64_t u64;
	const char *str;
};

typedef uint64_t pmemset_lua_track_handle_t;

/*
 * Called for each change of a tracked key: event is one of ADD, DELETE,
 * MODIFY; new_value is unset for DELETE, old_value unset for ADD.
 */
typedef void pmemset_lua_notify_fn(struct pmemset_lua *host,
				   pmemset_lua_track_handle_t handle,
				   int32_t event, const char *key,
				   struct pmemset_lua_value new_value,
				   struct pmemset_lua_value old_value,
				   void *user_data);

/*
 * pmemset_lua_track_add -- call notify_fn for the changes of key (or of
 * every key starting with key, with PMEMSET_LUA_TRACK_PREFIX) named by
 * track_type. One key may be tracked many times; notify functions run in
 * the order they were added. -EINVAL if key or notify_fn is NULL or
 * track_type names no change or has unknown bits.
 */
int pmemset_lua_track_add(struct pmemset_lua *host, const char *key,
			  int32_t track_type, pmemset_lua_notify_fn *notify_fn,
			  void *user_data, pmemset_lua_track_handle_t *handle);
/* pmemset_lua_track_delete -- stop a tracker (also from its own notify) */
int pmemset_lua_track_delete(struct pmemset_lua *host,
			     pmemset_lua_track_handle_t handle);

/* pmemset_lua_get -- the value of key; PMEMSET_LUA_E_KEY_NOT_FOUND */
int pmemset_lua_get(struct pmemset_lua *host, const char *key,
		    struct pmemset_lua_value *value);
/* application keys: set (ADD or MODIFY) and delete (DELETE) */
int pmemset_lua_set_u64(struct pmemset_lua *host, const char *key,
			uint64_t value);
int pmemset_lua_set_string(struct pmemset_lua *host, const char *key,
			   const char *value);
int pmemset_lua_delete_key(struct pmemset_lua *host, const char *key);

/*
 * pmemset_lua_foreach -- call fn for every key starting with prefix ("" for
 * all), in key order, until fn returns non-zero (which is then returned).
 * fn must not change keys.
 */
typedef int pmemset_lua_key_fn(const char *key, struct pmemset_lua_value value,
			       void *arg);
int pmemset_lua_foreach(struct pmemset_lua *host, const char *prefix,
			pmemset_lua_key_fn *fn, void *arg);

#ifdef __cplusplus
}
#endif
#endif /* pmemset_lua.h */
