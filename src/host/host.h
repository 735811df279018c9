/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * host.h -- internals of the embeddable host shared by the files of
 * src/host: the host object, its bindings (a policy attached to a config),
 * the sets it owns, the parts it tracks, and the error helpers.
 */

#ifndef PMEMSET_HOST_H
#define PMEMSET_HOST_H 1

#include <pthread.h>
#include <stdint.h>

#include <lua.h>

#include <libpmemset.h>
#include <pmemset_ext.h>

#include "keys.h"
#include "host_limits.h"
#include "lpmemset.h"
#include "pmemset_lua.h"

/* a policy table attached to a config; arg of the core callbacks */
struct binding {
	struct pmemset_lua *host;
	int policy_ref; /* the policy table in the registry */
	struct binding *next;
};

/* a set mapped from a layout, and everything it owns */
struct host_set {
	struct pmemset *set;
	struct pmem2_vm_reservation *rsv;
	struct pmemset_source **sources;
	size_t nsources;
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
	struct binding *bindings;
	struct host_set *sets;
	struct host_part *parts;
	size_t nparts;
	size_t partcap;
	uint64_t next_part;
	pmemset_lua_event_observer *observer;
	void *observer_arg;
	/* the state the state policy classified last, for the next PART_ADD */
	char *state_path;
	enum pmemset_part_state state;
	/* the event being handled now (set:clear_badblock needs it) */
	struct pmemset_event_context *event;
	struct host_limits lim;	       /* the allocator's user data */
	struct lp_entry_hooks entry;   /* limits of the module's own entries */
	struct lp_confinement confine; /* the grants of a sandbox */
};

/* registry key of the host pointer (a light userdata) */
#define HOST_REGISTRY_KEY "pmemset_lua.host"

void host_lock(struct pmemset_lua *host);
void host_unlock(struct pmemset_lua *host);

/* set the host's message; returns code */
int host_err(struct pmemset_lua *host, int code, const char *fmt, ...)
	__attribute__((__format__(__printf__, 3, 4)));
/* the host of an interpreter */
struct pmemset_lua *host_from_state(lua_State *L);

/*
 * host_pcall -- lua_pcall with a traceback handler; on an error the
 * message (traceback included, after "what: " unless what is NULL) goes
 * to the host's message and
 * PMEMSET_LUA_E_SCRIPT is returned, the stack back at its base.
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
 * sandbox.c: replaces the interpreter's globals by the allow-list of a
 * sandbox and confines its paths to the host's grants (protected mode)
 */
void host_sandbox(struct pmemset_lua *host);
/* sets global name to the value on the top (pops it), also in a sandbox */
void host_setglobal(lua_State *L, const char *name);
/* lhost.c: the global table host (tracking from Lua) */
void host_open_lua(lua_State *L);

/* policy.c */
/* checks the policy table at idx; 0 or PMEMSET_LUA_E_INVALID_SCRIPT */
int policy_check(struct pmemset_lua *host, int idx, const char *name);
/* attaches the policy table at registry ref to cfg */
int policy_attach(struct pmemset_lua *host, struct pmemset_config *cfg,
		  int policy_ref);
void policy_free_bindings(struct pmemset_lua *host);
int policy_state_cb(const struct pmemset_state_info *info, char *why,
		    size_t why_len, void *arg);

/* events.c */
int events_callback(struct pmemset *set, struct pmemset_event_context *ctx,
		    void *arg);
/* the mask of the kinds the policy at idx handles, plus the tracked ones */
uint64_t events_mask(lua_State *L, int idx);
/* drop the parts of set (pmemset_delete fires no PART_REMOVE) */
void events_forget_set(struct pmemset_lua *host, struct pmemset *set);
void events_open_lua(lua_State *L);

/* layout.c */
void layout_delete_all(struct pmemset_lua *host);

#endif /* host.h */
