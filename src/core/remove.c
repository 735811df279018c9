/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * remove.c -- pmemset_remove_part_map and pmemset_remove_range (§3.4).
 *
 * Removal works on whole parts. Everything that can fail is checked before
 * the first change, so a failed call leaves the set as it was. Under the
 * write lock: the checks, the event, and the parts taken out of the trees;
 * without it: their deep flush and unmapping (part.h).
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "err.h"
#include "event.h"
#include "index.h"
#include "part.h"
#include "set.h"

/* anchor_update -- the anchor's successor when part map m goes entirely */
static void
anchor_update(struct pmemset *set, struct pmemset_part_map *m)
{
	if (set->anchor != m)
		return;
	struct pmemset_part_map *n = RB_PREV(pmap_tree, &set->pmaps, m);
	if (n == NULL)
		n = RB_NEXT(pmap_tree, &set->pmaps, m);
	set->anchor = n;
}

/* unpublish_parts -- every part from `from` up to (not including) `end` */
static void
unpublish_parts(struct pmemset *set, struct part *from, const char *end,
		struct part **gone)
{
	struct part *p = from, *next;
	for (; p && p->addr < end; p = next) {
		next = RB_NEXT(part_tree, &set->parts, p);
		part_unpublish(set, p, gone);
	}
}

/*
 * pmap_remove_whole -- unpublish the part map and its parts (its
 * PART_REMOVE event already fired), between set_write_begin and _end
 */
static void
pmap_remove_whole(struct pmemset *set, struct pmemset_part_map *m,
		  struct part **gone)
{
	anchor_update(set, m);
	struct part *first = pmap_first_part(set, m);
	char *end = m->addr + m->size;
	index_remove(set, m);
	RB_REMOVE(pmap_tree, &set->pmaps, m);
	STORE(set->npmaps, set->npmaps - 1);
	pmap_free(set, m);
	unpublish_parts(set, first, end, gone);
}

static int
too_many_refs(int refs)
{
	return err_msg(PMEMSET_E_PART_MAP_POSSIBLE_USE_AFTER_DROP,
		       "the part map has %d references; only the caller's "
		       "may remain",
		       refs);
}

static bool
pmap_in_set(struct pmemset *set, struct pmemset_part_map *m)
{
	return m->set == set && set_pmap_at(set, m->addr) == m;
}

int
pmemset_remove_part_map(struct pmemset *set, struct pmemset_part_map **part)
{
	LOG(LOG_CALLS, "pmemset_remove_part_map(set %p, part %p)", (void *)set,
	    (void *)part);
	if (set == NULL || part == NULL)
		return err_msg(-EINVAL, "set or part map pointer is NULL");
	if (*part == NULL)
		return err_msg(PMEMSET_E_PART_NOT_FOUND, "part map is NULL");
	struct pmemset_part_map *m = *part;
	int ret = set_reentry(set, "pmemset_remove_part_map");
	if (ret)
		return ret;

	pthread_rwlock_wrlock(&set->lock);
	int refs = 0;
	struct part *gone = NULL;
	char *lo = m->addr, *hi = m->addr + m->size;
	if (!pmap_in_set(set, m))
		ret = err_msg(PMEMSET_E_PART_NOT_FOUND,
			      "the part map is not in this set");
	else if ((refs = pmap_refs(m)) > 1)
		ret = too_many_refs(refs);
	if (ret == 0) {
		event_fire_locked(set, PMEMSET_EVENT_PART_REMOVE, m->addr,
				  m->size);
		set_write_begin(set);
		/* again, now that lock-free readers see the count odd */
		if ((refs = pmap_refs(m)) > 1) {
			ret = too_many_refs(refs);
		} else {
			if (refs == 1) /* the caller's handle goes with it */
				pmap_unref(m);
			pmap_remove_whole(set, m, &gone);
			*part = NULL;
		}
		set_write_end(set);
	}
	pthread_rwlock_unlock(&set->lock);
	parts_unmap(set, gone, lo, hi);
	return ret;
}

/* the part maps a range touches, checked before anything changes */
struct range {
	char *addr;
	char *end;
	struct pmemset_part_map *first;
	size_t splits; /* part maps to cut in two */
};

/* range_is_middle -- whether the range spares both end parts of m */
static bool
range_is_middle(struct pmemset *set, struct pmemset_part_map *m,
		const struct range *r)
{
	struct part *first = pmap_first_part(set, m);
	struct part *last = set_part_at(set, m->addr + m->size - 1);
	return r->addr >= first->addr + first->size && r->end <= last->addr;
}

/* range_refs -- 0, or the error for a referenced part map in the range */
static int
range_refs(struct pmemset *set, const struct range *r)
{
	(void)set; /* RB_NEXT does not use it */
	for (struct pmemset_part_map *m = r->first; m && m->addr < r->end;
	     m = RB_NEXT(pmap_tree, &set->pmaps, m)) {
		int refs = pmap_refs(m);
		if (refs > 0)
			return err_msg(
				PMEMSET_E_PART_MAP_POSSIBLE_USE_AFTER_DROP,
				"part map %p in the range has %d "
				"reference(s)",
				(void *)m->addr, refs);
	}
	return 0;
}

static int
range_check(struct pmemset *set, struct range *r)
{
	r->first = set_first_pmap_from(set, r->addr);
	if (r->first == NULL || r->first->addr >= r->end)
		return err_msg(PMEMSET_E_CANNOT_FIND_PART_MAP,
			       "nothing is mapped in [%p, %p)", (void *)r->addr,
			       (void *)r->end);
	int ret = range_refs(set, r);
	if (ret)
		return ret;
	r->splits = 0;
	for (struct pmemset_part_map *m = r->first; m && m->addr < r->end;
	     m = RB_NEXT(pmap_tree, &set->pmaps, m))
		if (range_is_middle(set, m, r))
			r->splits++;
	return 0;
}

/* the whole parts of part map m that the range touches */
struct run {
	struct part *first, *last;
	char *start, *end;
};

static void
run_of(struct pmemset *set, struct pmemset_part_map *m, const struct range *r,
       struct run *run)
{
	char *m_end = m->addr + m->size;
	char *lo = r->addr > m->addr ? r->addr : m->addr;
	char *hi = r->end < m_end ? r->end : m_end;
	/* m's parts are contiguous: both ends of the run lie in a part */
	run->first = set_part_at(set, lo);
	run->last = set_part_at(set, hi - 1);
	run->start = run->first->addr;
	run->end = run->last->addr + run->last->size;
}

static bool
run_is_whole(const struct pmemset_part_map *m, const struct run *run)
{
	return run->start == m->addr && run->end == m->addr + m->size;
}

/* fire_part_removes -- PART_REMOVE for each part map that goes entirely */
static void
fire_part_removes(struct pmemset *set, const struct range *r)
{
	for (struct pmemset_part_map *m = r->first; m && m->addr < r->end;
	     m = RB_NEXT(pmap_tree, &set->pmaps, m)) {
		struct run run;
		run_of(set, m, r, &run);
		if (run_is_whole(m, &run))
			event_fire_locked(set, PMEMSET_EVENT_PART_REMOVE,
					  m->addr, m->size);
	}
}

/*
 * remove_run -- the parts of m the range touches; m may shrink or split.
 * Between set_write_begin and _end.
 */
static void
remove_run(struct pmemset *set, struct pmemset_part_map *m,
	   const struct range *r, struct pmemset_part_map **spare,
	   struct part **gone)
{
	struct run run;
	run_of(set, m, r, &run);
	if (run_is_whole(m, &run)) {
		pmap_remove_whole(set, m, gone);
		return;
	}
	char *m_end = m->addr + m->size;
	char *run_start = run.start, *run_end = run.end;
	unpublish_parts(set, run.first, run_end, gone);
	if (run_start == m->addr) {
		/* the key rises within m's old range: tree order holds */
		char *old = m->addr;
		STORE(m->addr, run_end);
		STORE(m->size, (size_t)(m_end - run_end));
		index_rekey(set, m, old);
	} else if (run_end == m_end) {
		STORE(m->size, (size_t)(run_start - m->addr));
		index_resize(set, m);
	} else { /* a middle run: range_check counted a spare for it */
		struct pmemset_part_map *upper = *spare;
		*spare = NULL; /* consumed */
		STORE(upper->addr, run_end);
		STORE(upper->size, (size_t)(m_end - run_end));
		STORE(m->size, (size_t)(run_start - m->addr));
		index_resize(set, m);
		RB_INSERT(pmap_tree, &set->pmaps, upper);
		index_insert(set, upper);
		STORE(set->npmaps, set->npmaps + 1);
	}
}

int
pmemset_remove_range(struct pmemset *set, void *addr, size_t len)
{
	LOG(LOG_CALLS, "pmemset_remove_range(set %p, addr %p, len %zu)",
	    (void *)set, addr, len);
	if (set == NULL)
		return err_msg(-EINVAL, "set is NULL");
	if (len == 0)
		return err_msg(PMEMSET_E_CANNOT_FIND_PART_MAP,
			       "the range to remove is empty");
	int ret = set_reentry(set, "pmemset_remove_range");
	if (ret)
		return ret;
	struct range r = { .addr = addr };
	uintptr_t end;
	if (__builtin_add_overflow((uintptr_t)addr, len, &end))
		end = UINTPTR_MAX;
	r.end = (char *)end;

	pthread_rwlock_wrlock(&set->lock);
	ret = range_check(set, &r);
	struct pmemset_part_map **spares = NULL;
	if (ret == 0 && r.splits) {
		spares = calloc(r.splits, sizeof(*spares));
		for (size_t i = 0; spares && i < r.splits; i++) {
			spares[i] = pmap_alloc(set);
			if (spares[i] == NULL)
				ret = -ENOMEM;
		}
		if (spares == NULL)
			ret = -ENOMEM;
		if (ret)
			err_errno(ret, ENOMEM, "cannot split a part map");
	}
	struct part *gone = NULL;
	if (ret == 0) {
		event_fire_locked(set, PMEMSET_EVENT_REMOVE_RANGE, addr, len);
		fire_part_removes(set, &r);
		set_write_begin(set);
		/* again, now that lock-free readers see the count odd */
		ret = range_refs(set, &r);
	}
	if (ret == 0) {
		size_t used = 0;
		struct pmemset_part_map *m = r.first, *next;
		for (; m && m->addr < r.end; m = next) {
			next = RB_NEXT(pmap_tree, &set->pmaps, m);
			struct pmemset_part_map *spare =
				used < r.splits ? spares[used] : NULL;
			remove_run(set, m, &r, &spare, &gone);
			if (used < r.splits && spare == NULL)
				spares[used++] = NULL;
		}
	}
	if (set->seq & 1)
		set_write_end(set);
	for (size_t i = 0; spares && i < r.splits; i++)
		if (spares[i])
			pmap_free(set, spares[i]);
	pthread_rwlock_unlock(&set->lock);
	free(spares);
	parts_unmap(set, gone, r.addr, r.end);
	return ret;
}
