/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * host.h -- internals of the embeddable host shared by the files of
 * src/host: the host object, the sets it owns, the parts it tracks, and
 * the error helpers. Policies, layouts, set and event objects are the
 * pmemset module's (src/lua, lua/pmemset): the host is its client.
 */

#ifndef PMEMSET_HOST_H
#define PMEMSET_HOST_H 1

#include <pthread.h>
#include <stdint.h>

#include <lua.h>

#include <libpmemset.h>
#include <pmemset_ext.h>

#include "host_limits.h"
#include "keys.h"
#include "lpmemset.h"
#include "pmemset_lua.h"

/* a set mapped from a layout: its Lua objects stay in the registry */
struct host_set {
	struct pmemset *set;
	int ref; /* { set, parts, sources } of pmemset.layout */
	struct host_set *next;
};

/* a part the host saw added (keys parts.<n>.*) */
struct host_part {
	uint64_t n;
	struct pmemset *set;
	uintptr_t addr;
	size_t size;
};

struct pmemset_lua {
	lua_State *L;
	unsigned flags;
	pthread_mutex_t lock; /* recursive: handlers may call the host */
	char errmsg[4096];
	struct keystore keys;
	int policy_ref; /* current policy, LUA_NOREF before load_policy */
	struct host_set *sets;
	/* the hook on the module's event path keeping the keys (track.c) */
	struct lp_observer observer;
	int closing; /* the interpreter is closing: keys are gone */
	struct host_part *parts;
	size_t nparts;
	size_t partcap;
	uint64_t next_part;
	pmemset_lua_event_observer *user_observer;
	void *user_observer_arg;
	/* the state the state policy classified last, for the next PART_ADD */
	char *state_path;
	enum pmemset_part_state state;
	struct host_limits lim;	       /* the allocator's user data */
	struct lp_entry_hooks entry;   /* limits of the module's own entries */
	struct lp_confinement confine; /* the grants of a sandbox */
};

/* registry key of the host pointer (a light userdata) */
#define HOST_REGISTRY_KEY "pmemset_lua.host"
/* registry key of the list of bindings of attached configs (lp_attach) */
#define HOST_BINDINGS_KEY "pmemset_lua.bindings"
/* registry key of the module's layout functions (pmemset.layout) */
#define HOST_LAYOUT_KEY "pmemset_lua.layout"

void host_lock(struct pmemset_lua *host);
void host_unlock(struct pmemset_lua *host);

/* set the host's message; returns code */
int host_err(struct pmemset_lua *host, int code, const char *fmt, ...)
	__attribute__((__format__(__printf__, 3, 4)));
/* the host of an interpreter */
struct pmemset_lua *host_from_state(lua_State *L);

/*
 * host_pcall -- lua_pcall with a traceback handler, inside the limits; on
 * an error the message (traceback included, after "what: " unless what is
 * NULL) goes to the host's message and PMEMSET_LUA_E_SCRIPT (-ENOMEM,
 * PMEMSET_LUA_E_LIMIT) is returned, the stack back at its base.
 */
int host_pcall(struct pmemset_lua *host, int nargs, int nresults,
	       const char *what);

/*
 * host_protect -- fn(host, arg) in protected mode, inside the limits (an
 * entry into Lua): every Lua API call that can allocate or raise goes
 * through here or host_pcall, so no failure reaches the panic function.
 * Returns what fn returned, or -ENOMEM / PMEMSET_LUA_E_LIMIT /
 * PMEMSET_LUA_E_SCRIPT with a message starting with what.
 */
int host_protect(struct pmemset_lua *host,
		 int (*fn)(struct pmemset_lua *host, void *arg), void *arg,
		 const char *what);

/*
 * host_load_file, host_load_string -- push a chunk of path (NULL: stdin)
 * or of code, text only in a sandbox; when it does not load, its message
 * goes to the host's message, nothing is pushed and PMEMSET_LUA_E_SCRIPT
 * is returned.
 */
int host_load_file(struct pmemset_lua *host, const char *path);
int host_load_string(struct pmemset_lua *host, const char *code,
		     const char *name);

/*
 * host_policy_table -- runs the loaded chunk at the top (named name in
 * messages) and checks its table with the module's layout.check_policy;
 * leaves the table at the top, or sets the message, pops everything and
 * returns PMEMSET_LUA_E_SCRIPT or PMEMSET_LUA_E_INVALID_SCRIPT
 */
int host_policy_table(struct pmemset_lua *host, const char *name);

/*
 * sandbox.c: replaces the interpreter's globals by the allow-list of a
 * sandbox and confines its paths to the host's grants (protected mode)
 */
void host_sandbox(struct pmemset_lua *host);
/* sets global name to the value on the top (pops it), also in a sandbox */
void host_setglobal(lua_State *L, const char *name);
/* lhost.c: the global table host (tracking from Lua) */
void host_open_lua(lua_State *L);

/* track.c: the observer keeping the keys of the sets' parts */
void track_init(struct pmemset_lua *host);
/* drop the keys of the parts of set (deleted without PART_REMOVE) */
void track_forget_set(struct pmemset_lua *host, struct pmemset *set);
void track_fini(struct pmemset_lua *host);

#endif /* host.h */
