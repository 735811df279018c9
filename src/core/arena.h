/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * arena.h -- where parts go in the address space.
 *
 * An arena is one libpmem2 virtual-memory reservation with a tree of its
 * free extents. A set with a caller's reservation has exactly one arena,
 * borrowed. A set without one owns arenas it creates on demand: each is at
 * least ARENA_MIN_SIZE and holds many parts, because a pmem2 reservation
 * per part would cost a 2 MiB-aligned slot of address space per part (and
 * libpmem2 1.12 gives back only the part's size when it is deleted).
 * Owned arenas live until pmemset_delete; a removed part's range stays
 * reserved (PROT_NONE, nothing behind it) for the set's next parts.
 */

#ifndef PMEMSET_ARENA_H
#define PMEMSET_ARENA_H 1

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <bsd/sys/tree.h>

struct pmemset;
struct pmem2_vm_reservation;

/* 1 GiB of address space: no memory is committed to it */
#define ARENA_MIN_SIZE (1ULL << 30)

struct extent {
	RB_ENTRY(extent) node;
	char *addr;
	size_t size;
};

RB_HEAD(extent_tree, extent);

struct arena {
	struct arena *next;
	struct pmem2_vm_reservation *rsv;
	char *base;
	size_t size;
	bool owned;
	bool retired; /* takes no new part (arena_unplace_failed) */
	bool lost;    /* a slot was taken by another mapping: never deleted */
	/* held around every libpmem2 call on rsv: arena_pmem2_end */
	pthread_mutex_t pmem2_lock;
	pthread_rwlock_t *rsv_lock;	/* libpmem2's own, or NULL */
	pthread_rwlock_t rsv_lock_init; /* its bytes when it was new */
	size_t nparts;
	struct extent_tree free;
};

/* a reserved slot for one part, undone by arena_unplace() */
struct placement {
	struct arena *arena;
	char *addr;
	bool new_arena;	 /* the arena was created for this part */
	size_t extended; /* bytes the arena grew by for this part */
};

/*
 * arena_pmem2_begin/arena_pmem2_end -- around every libpmem2 call on the
 * arena's reservation: one at a time, and failed is true after a failed
 * pmem2_map_new (see arena.c). Not with the set's lock held, except for
 * the calls made under it (extend, shrink): set lock, then this one.
 */
void arena_pmem2_begin(struct arena *a);
void arena_pmem2_end(struct arena *a, bool failed);

/* arena_init_caller -- the one arena of a set with a caller reservation */
int arena_init_caller(struct pmemset *set, struct pmem2_vm_reservation *rsv);

/* arena_place_first_fit -- the lowest free slot of len bytes */
int arena_place_first_fit(struct pmemset *set, size_t len, size_t align,
			  struct placement *pl);

/*
 * arena_place_after -- the slot right after `end`, which is the end of a
 * part in arena a. Returns 0 (placed), 1 (not available; no error message)
 * or a negative error.
 */
int arena_place_after(struct pmemset *set, struct arena *a, char *end,
		      size_t len, struct placement *pl);

/* arena_unplace -- give a slot back after a failed map */
void arena_unplace(struct pmemset *set, struct placement *pl, size_t len);

/*
 * arena_unplace_failed -- give a slot back after pmem2_map_new failed in
 * it. A failed MAP_FIXED may have unmapped the slot's PROT_NONE
 * placeholder (libpmem2's MAP_SYNC attempt does, then its retry fails), so
 * the slot is reserved again first; if another mapping took part of it
 * meanwhile, the slot stays taken and the arena is retired: a later map
 * there would clobber that mapping, and so would deleting the reservation
 * (pmemset_delete unmaps only its free ranges then). An arena whose
 * reservation libpmem2 left locked is retired too (arena.c).
 */
void arena_unplace_failed(struct pmemset *set, struct placement *pl,
			  size_t len);

/* arena_release -- a part left its slot */
void arena_release(struct pmemset *set, struct arena *a, char *addr,
		   size_t len);

/* arena_destroy_all -- at pmemset_delete, every part already unmapped */
void arena_destroy_all(struct pmemset *set);

#endif /* PMEMSET_ARENA_H */
