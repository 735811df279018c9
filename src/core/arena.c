/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * arena.c -- placement of parts in virtual-memory reservations.
 */

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libpmem2.h>

#include "arena.h"
#include "err.h"
#include "pmemset_ext.h"
#include "set.h"
#include "tree_floor.h"

static int
extent_cmp(const struct extent *a, const struct extent *b)
{
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

/* static, and unused helpers are fine: libbsd leaves __unused undefined */
RB_GENERATE_INTERNAL(extent_tree, extent, node, extent_cmp,
		     static __attribute__((unused)))

/* extent_at_or_before -- the free extent with the greatest addr <= addr */
static struct extent *
extent_at_or_before(struct arena *a, const char *addr)
{
	struct extent *e;
	TREE_FLOOR(struct extent, node, RB_ROOT(&a->free), addr, e);
	return e;
}

static struct extent *
extent_new(char *addr, size_t size)
{
	struct extent *e = malloc(sizeof(*e));
	if (e) {
		e->addr = addr;
		e->size = size;
	}
	return e;
}

/*
 * extent_take -- remove [addr, addr+len) from free extent e, which holds it;
 * spare is used (and set to NULL) when e must split in two.
 */
static void
extent_take(struct arena *a, struct extent *e, char *addr, size_t len,
	    struct extent **spare)
{
	char *end = e->addr + e->size;
	size_t left = (size_t)(addr - e->addr);
	size_t right = (size_t)(end - (addr + len));
	if (left == 0 && right == 0) {
		RB_REMOVE(extent_tree, &a->free, e);
		free(e);
	} else if (left == 0) {
		/* the key grows but stays below the next extent: order holds */
		e->addr += len;
		e->size -= len;
	} else {
		e->size = left;
		if (right) {
			struct extent *r = *spare;
			*spare = NULL;
			r->addr = addr + len;
			r->size = right;
			RB_INSERT(extent_tree, &a->free, r);
		}
	}
}

/* extent_give -- add [addr, addr+len) to the free extents, merged */
static void
extent_give(struct arena *a, char *addr, size_t len)
{
	struct extent *prev = extent_at_or_before(a, addr);
	struct extent *next = prev ? RB_NEXT(extent_tree, &a->free, prev)
				   : RB_MIN(extent_tree, &a->free);
	bool join_prev = prev && prev->addr + prev->size == addr;
	bool join_next = next && addr + len == next->addr;

	if (join_prev && join_next) {
		prev->size += len + next->size;
		RB_REMOVE(extent_tree, &a->free, next);
		free(next);
	} else if (join_prev) {
		prev->size += len;
	} else if (join_next) {
		/* the key drops but stays above prev: order holds */
		next->addr = addr;
		next->size += len;
	} else {
		struct extent *e = extent_new(addr, len);
		/* without memory the slot stays unusable, nothing breaks */
		if (e)
			RB_INSERT(extent_tree, &a->free, e);
	}
}

/*
 * The head of struct pmem2_vm_reservation in libpmem2 1.12.1 as Debian
 * builds it: a tree pointer, then the reservation's rwlock, then address
 * and size. Checked against the public getters before any use.
 */
struct pmem2_rsv_head {
	void *itree;
	pthread_rwlock_t lock;
	void *addr;
	size_t size;
};

/* rsv_lock_of -- libpmem2's lock of the reservation, or NULL if unknown */
static pthread_rwlock_t *
rsv_lock_of(struct pmem2_vm_reservation *rsv)
{
	struct pmem2_rsv_head *h = (struct pmem2_rsv_head *)rsv;
	if (h->addr != pmem2_vm_reservation_get_address(rsv) ||
	    h->size != pmem2_vm_reservation_get_size(rsv))
		return NULL; /* another layout: nothing known, nothing done */
	return &h->lock;
}

/* rsv_lock_is_free -- no reader, no writer, nobody waiting */
static bool
rsv_lock_is_free(const pthread_rwlock_t *l)
{
	return l->__data.__readers == 0 && l->__data.__writers == 0 &&
	       l->__data.__cur_writer == 0 && l->__data.__wrphase_futex == 0 &&
	       l->__data.__writers_futex == 0;
}

void
arena_pmem2_begin(struct arena *a)
{
	pthread_mutex_lock(&a->pmem2_lock);
}

/*
 * arena_pmem2_end -- libpmem2 1.12.1 returns from some failures of
 * pmem2_map_new (an allocation inside it) with the reservation's lock
 * left taken or its count broken: every later map, unmap or delete in
 * that reservation would wait for ever or abort. No other thread is inside
 * libpmem2 for this reservation (pmem2_lock), so the lock must be free;
 * if it is not it is put back as libpmem2 made it, and the arena takes no
 * new part, its libpmem2 state being suspect.
 */
void
arena_pmem2_end(struct arena *a, bool failed)
{
	pthread_rwlock_t *l = a->rsv_lock;
	if (failed && l && !rsv_lock_is_free(l)) {
		memcpy(l, &a->rsv_lock_init, sizeof(*l));
		__atomic_store_n(&a->retired, true, __ATOMIC_RELAXED);
		LOG(LOG_ERROR,
		    "libpmem2 left the lock of reservation [%p, +%zu) taken "
		    "after a failed map; lock reset, reservation retired",
		    (void *)a->base, a->size);
	}
	pthread_mutex_unlock(&a->pmem2_lock);
}

static int
arena_create(struct pmemset *set, size_t size, struct pmem2_vm_reservation *rsv,
	     struct arena **out)
{
	struct arena *a = calloc(1, sizeof(*a));
	struct extent *e = calloc(1, sizeof(*e));
	if (a == NULL || e == NULL) {
		free(a);
		free(e);
		return err_errno(-ENOMEM, ENOMEM, "cannot allocate an arena");
	}
	a->owned = rsv == NULL;
	if (a->owned) {
		/* on failure its message says what went wrong */
		int ret = pmemset_vm_reservation_new(&rsv, size);
		if (ret) {
			free(a);
			free(e);
			return ret;
		}
	}
	a->rsv = rsv;
	pthread_mutex_init(&a->pmem2_lock, NULL);
	/*
	 * Only the set's own reservations: the caller may be inside libpmem2
	 * on theirs from another thread, and its lock is not ours to reset.
	 */
	a->rsv_lock = a->owned ? rsv_lock_of(rsv) : NULL;
	if (a->rsv_lock && !rsv_lock_is_free(a->rsv_lock))
		a->rsv_lock = NULL; /* not the layout it seemed */
	if (a->rsv_lock)
		memcpy(&a->rsv_lock_init, a->rsv_lock, sizeof(*a->rsv_lock));
	a->base = pmem2_vm_reservation_get_address(rsv);
	a->size = pmem2_vm_reservation_get_size(rsv);
	RB_INIT(&a->free);
	e->addr = a->base;
	e->size = a->size;
	RB_INSERT(extent_tree, &a->free, e);
	a->next = set->arenas;
	set->arenas = a;
	*out = a;
	return 0;
}

/*
 * arena_retire_range -- the end of an arena that lost a slot: deleting its
 * pmem2 reservation would unmap its whole range, the mapping that took a slot
 * included, so only the placeholders of its free extents are unmapped and
 * the reservation object is left to libpmem2 (logged).
 */
static void
arena_retire_range(struct arena *a)
{
	struct extent *e;
	RB_FOREACH(e, extent_tree, &a->free)
	munmap(e->addr, e->size);
	LOG(LOG_ERROR,
	    "retired reservation [%p, +%zu) left to libpmem2, its free ranges "
	    "unmapped",
	    (void *)a->base, a->size);
}

/*
 * arena_delete_reservation -- a failed munmap leaves libpmem2's
 * reservation whole, so it is tried once more before it is given up on
 */
static void
arena_delete_reservation(struct arena *a)
{
	for (int tries = 0; tries < 2; tries++) {
		if (pmem2_vm_reservation_delete(&a->rsv) == 0)
			return;
		LOG(LOG_ERROR, "cannot delete a reservation: %s",
		    pmem2_errormsg());
	}
}

static void
arena_destroy(struct pmemset *set, struct arena *a)
{
	struct arena **pp = &set->arenas;
	while (*pp != a)
		pp = &(*pp)->next;
	*pp = a->next;

	if (a->lost && a->owned)
		arena_retire_range(a);
	struct extent *e, *tmp;
	RB_FOREACH_SAFE(e, extent_tree, &a->free, tmp)
	{
		RB_REMOVE(extent_tree, &a->free, e);
		free(e);
	}
	if (a->owned && !a->lost)
		arena_delete_reservation(a);
	pthread_mutex_destroy(&a->pmem2_lock);
	free(a);
}

int
arena_init_caller(struct pmemset *set, struct pmem2_vm_reservation *rsv)
{
	struct arena *a = NULL;
	return arena_create(set, 0, rsv, &a);
}

static char *
align_up(char *p, size_t align)
{
	uintptr_t u = (uintptr_t)p;
	return (char *)((u + align - 1) / align * align);
}

/* arena_fit -- first fit in one arena; NULL when nothing fits */
static struct extent *
arena_fit(struct arena *a, size_t len, size_t align, char **addr)
{
	struct extent *e;
	RB_FOREACH(e, extent_tree, &a->free)
	{
		char *p = align_up(e->addr, align);
		char *end = e->addr + e->size;
		if (p < end && (size_t)(end - p) >= len) {
			*addr = p;
			return e;
		}
	}
	return NULL;
}

int
arena_place_first_fit(struct pmemset *set, size_t len, size_t align,
		      struct placement *pl)
{
	struct extent *spare = extent_new(NULL, 0);
	if (spare == NULL)
		return err_errno(-ENOMEM, ENOMEM, "cannot allocate an extent");

	pl->new_arena = false;
	pl->extended = 0;
	for (struct arena *a = set->arenas; a; a = a->next) {
		if (__atomic_load_n(&a->retired, __ATOMIC_RELAXED))
			continue;
		struct extent *e = arena_fit(a, len, align, &pl->addr);
		if (e) {
			pl->arena = a;
			extent_take(a, e, pl->addr, len, &spare);
			a->nparts++;
			free(spare);
			return 0;
		}
	}
	if (set->caller_rsv) {
		free(spare);
		return err_msg(PMEMSET_E_CANNOT_FIT_PART_MAP,
			       "no free range of %zu bytes in the reservation",
			       len);
	}

	size_t size = len > ARENA_MIN_SIZE ? len : ARENA_MIN_SIZE;
	struct arena *a = NULL;
	int ret = arena_create(set, size, NULL, &a);
	if (ret) {
		free(spare);
		return ret;
	}
	struct extent *e = arena_fit(a, len, align, &pl->addr);
	if (e == NULL) { /* the reservation came back unusably aligned */
		arena_destroy(set, a);
		free(spare);
		return err_msg(
			PMEMSET_E_CANNOT_FIT_PART_MAP,
			"a new reservation cannot hold %zu bytes aligned to "
			"%zu",
			len, align);
	}
	extent_take(a, e, pl->addr, len, &spare);
	a->nparts++;
	pl->arena = a;
	pl->new_arena = true;
	free(spare);
	return 0;
}

/* arena_extend -- grow an owned arena in place by at least `need` bytes */
static int
arena_extend(struct arena *a, size_t need)
{
	if (!a->owned)
		return 1;
	arena_pmem2_begin(a);
	int ret = pmem2_vm_reservation_extend(a->rsv, need);
	arena_pmem2_end(a, ret != 0);
	if (ret != 0)
		return 1; /* the next addresses are taken: not available */
	extent_give(a, a->base + a->size, need);
	a->size += need;
	return 0;
}

int
arena_place_after(struct pmemset *set, struct arena *a, char *end, size_t len,
		  struct placement *pl)
{
	if (__atomic_load_n(&a->retired, __ATOMIC_RELAXED))
		return 1;
	char *arena_end = a->base + a->size;
	pl->arena = a;
	pl->new_arena = false;
	pl->extended = 0;

	if (end + len > arena_end) {
		/* the tail up to the arena end must be free to extend it */
		if (end < arena_end) {
			struct extent *t = extent_at_or_before(a, end);
			if (t == NULL || t->addr + t->size != arena_end)
				return 1;
		}
		size_t need = (size_t)(end + len - arena_end);
		if (arena_extend(a, need) != 0)
			return 1;
		pl->extended = need;
	}

	struct extent *e = extent_at_or_before(a, end);
	if (e == NULL || e->addr + e->size < end + len) {
		arena_unplace(set, pl, 0);
		return 1;
	}
	struct extent *spare = extent_new(NULL, 0);
	if (spare == NULL) {
		arena_unplace(set, pl, 0);
		return err_errno(-ENOMEM, ENOMEM, "cannot allocate an extent");
	}
	extent_take(a, e, end, len, &spare);
	free(spare);
	a->nparts++;
	pl->addr = end;
	return 0;
}

/* arena_shrink_back -- undo an extension made for a failed placement */
static void
arena_shrink_back(struct arena *a, size_t extended)
{
	char *from = a->base + a->size - extended;
	struct extent *e = extent_at_or_before(a, from);
	if (e == NULL || e->addr + e->size != a->base + a->size)
		return; /* keep the larger arena: harmless */
	arena_pmem2_begin(a);
	int ret = pmem2_vm_reservation_shrink(a->rsv, a->size - extended,
					      extended);
	arena_pmem2_end(a, ret != 0);
	if (ret != 0)
		return;
	if (e->addr == from) {
		RB_REMOVE(extent_tree, &a->free, e);
		free(e);
	} else {
		e->size -= extended;
	}
	a->size -= extended;
}

void
arena_unplace(struct pmemset *set, struct placement *pl, size_t len)
{
	struct arena *a = pl->arena;
	if (len) {
		extent_give(a, pl->addr, len);
		a->nparts--;
	}
	if (pl->extended)
		arena_shrink_back(a, pl->extended);
	if (pl->new_arena && a->nparts == 0)
		arena_destroy(set, a);
}

/* page_free -- whether nothing at all is mapped at addr */
static bool
page_free(char *addr, size_t page)
{
	unsigned char v;
	return mincore(addr, page, &v) != 0 && errno == ENOMEM;
}

/*
 * rereserve -- PROT_NONE over every unmapped page of [addr, addr+len),
 * never over a mapping (MAP_FIXED_NOREPLACE). -1 when some page of the
 * range is now someone else's.
 */
static int
rereserve(char *addr, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *end = addr + len;
	for (char *p = addr; p < end; p += page) {
		if (!page_free(p, page))
			continue;
		char *q = p + page;
		while (q < end && page_free(q, page))
			q += page;
		size_t n = (size_t)(q - p);
		void *r = mmap(p, n, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
				       MAP_FIXED_NOREPLACE,
			       -1, 0);
		if (r == MAP_FAILED)
			return -1;
		if (r != p) { /* a kernel that ignores the flag */
			munmap(r, n);
			return -1;
		}
		p = q - page;
	}
	return 0;
}

void
arena_unplace_failed(struct pmemset *set, struct placement *pl, size_t len)
{
	if (rereserve(pl->addr, len) == 0) {
		arena_unplace(set, pl, len);
		return;
	}
	__atomic_store_n(&pl->arena->retired, true, __ATOMIC_RELAXED);
	pl->arena->lost = true;
	LOG(LOG_ERROR,
	    "[%p, +%zu) of a reservation was taken by another mapping after a "
	    "failed map; that reservation takes no new parts",
	    (void *)pl->addr, len);
}

void
arena_release(struct pmemset *set, struct arena *a, char *addr, size_t len)
{
	(void)set;
	/*
	 * An empty arena is kept for the set's next parts: libpmem2 1.12.1
	 * reserves a 2 MiB-aligned slot and leaves the padding mapped when a
	 * reservation is deleted, so creating and deleting arenas as parts
	 * come and go would leak address space (and a kernel mapping) each
	 * time. Arenas go in pmemset_delete.
	 */
	extent_give(a, addr, len);
	a->nparts--;
}

void
arena_destroy_all(struct pmemset *set)
{
	while (set->arenas)
		arena_destroy(set, set->arenas);
}
