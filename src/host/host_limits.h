/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * host_limits.h -- the bounds of every entry into Lua: an instruction budget
 * and a wall-clock deadline checked by a count hook, and a memory cap enforced
 * by the interpreter's allocator.
 */

#ifndef PMEMSET_HOST_LIMITS_H
#define PMEMSET_HOST_LIMITS_H 1

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <lua.h>

#include "pmemset_lua.h"

enum limit_kind {
	LIMIT_NONE,
	LIMIT_INSTRUCTIONS,
	LIMIT_TIME,
	LIMIT_MEMORY,
};

/* the allocator's user data: found again from any lua_State by lua_getallocf */
struct host_limits {
	struct pmemset_lua_limits set; /* in force; 0 fields are no limit */
	size_t used;		       /* bytes the interpreter holds */
	int memory_armed;	       /* the cap applies (after setup) */
	int depth;		       /* entries running now (nesting) */
	uint64_t count;		       /* instructions of this entry */
	struct timespec deadline;      /* of the outermost entry */
	enum limit_kind hit;	       /* what stopped the entry */
	int located;		       /* msg names where the script was */
	int c_oom; /* a C function of the host ran out of memory (raised) */
	char msg[512];
};

/* the lua_Alloc of every host; ud is its struct host_limits */
void *limits_alloc(void *ud, void *ptr, size_t osize, size_t nsize);

/* replaces the global xpcall by one a stopped script cannot use */
void limits_open_lua(lua_State *L);

/*
 * limits_install -- the count hook on L while lim has a limit, else none
 * (coroutines made later inherit what L has)
 */
void limits_install(struct host_limits *lim, lua_State *L);

/*
 * limits_enter, limits_leave -- bracket every entry into Lua; only the
 * outermost starts the budget and the deadline and, on leaving, clears a
 * stop so the next entry runs afresh.
 */
void limits_enter(struct host_limits *lim, lua_State *L);
void limits_leave(struct host_limits *lim, lua_State *L);

/*
 * limits_oom_error -- raise "what: out of memory" from a C function the
 * host gives Lua whose own allocation failed; the entry then returns
 * -ENOMEM, as for a failed allocation of the interpreter
 */
int limits_oom_error(lua_State *L, const char *what);

/*
 * limits_charge -- raise the memory limit if the interpreter plus held
 * (what the host keeps for scripts: keys) plus more would pass the cap
 */
void limits_charge(lua_State *L, size_t held, size_t more);

/* the message of the stop ("" if none) */
static inline const char *
limits_message(const struct host_limits *lim)
{
	return lim->hit ? lim->msg : "";
}

/*
 * Test seam: from allocation number host_alloc_fail_at (counted over every
 * host from 1 once it is set; 0 = never) host_alloc_fail_span allocations
 * fail (0: every one after). Growth only: Lua assumes shrinking never
 * fails. Lua retries a failed allocation once after a full collection, so a
 * span of 2 fails one allocation for good.
 */
extern uint64_t host_alloc_fail_at;
extern uint64_t host_alloc_fail_span;
extern uint64_t host_alloc_count;

#endif /* host_limits.h */
