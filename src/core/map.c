/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * map.c -- pmemset_map, step by step as in §3.0 of the contract. The order
 * of the steps fixes which error wins; keep it.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <libpmem2.h>

#include "arena.h"
#include "badblock.h"
#include "err.h"
#include "event.h"
#include "file.h"
#include "index.h"
#include "map_config.h"
#include "part.h"
#include "sds.h"
#include "set.h"
#include "source.h"

/*
 * libpmem2 creates a data mover for every map made without one, and each
 * takes a pthread key: about 1,020 live maps exhaust PTHREAD_KEYS_MAX for
 * the whole process. A config carrying a mover skips that. libpmem2 reads
 * the mover only in its *_async functions, which pmemset never calls on
 * its internal maps and never exposes, so this object is never used; it
 * only has to be a distinct address.
 */
struct vdm;
int pmem2_config_set_vdm(struct pmem2_config *cfg, struct vdm *vdm);
static char unused_mover;

/* what the unlocked first steps learn about the new part */
struct map_req {
	struct pmemset_source *src;
	size_t offset;
	size_t length;
	size_t align;
};

/* steps 4 and 5: the length, and the file grown to hold the range */
static int
map_size_source(struct map_req *r)
{
	size_t size;
	int ret = pmem2_source_size(r->src->pmem2, &size);
	if (ret)
		return err_pmem2(ret, ret, "cannot read the source size");
	if (r->length == 0)
		r->length = size;
	if (r->length == 0)
		return err_msg(
			PMEMSET_E_MAP_LENGTH_UNSET,
			"the map length is unset and the source is empty");

	size_t end;
	if (__builtin_add_overflow(r->offset, r->length, &end))
		return err_msg(PMEMSET_E_CANNOT_GROW_SOURCE_FILE,
			       "offset %zu + length %zu overflows", r->offset,
			       r->length);
	if (end <= size)
		return 0;
	if (!r->src->growable)
		return err_msg(
			PMEMSET_E_SOURCE_FILE_IS_TOO_SMALL,
			"the source has %zu bytes, the part needs %zu and the "
			"source may not grow",
			size, end);
	return file_grow(source_fd(r->src), end);
}

/* steps 6 and 7: libpmem2's config, and the length's alignment */
static int
map_pmem2_config(struct pmemset *set, struct map_req *r,
		 struct pmem2_config **cfg)
{
	if (pmem2_config_new(cfg) != 0)
		return err_msg(PMEMSET_E_CANNOT_ALLOCATE_INTERNAL_STRUCTURE,
			       "cannot allocate a pmem2 config");
	int ret = PMEMSET_E_GRANULARITY_NOT_SUPPORTED;
	if (pmem2_config_set_required_store_granularity(
		    *cfg, set->required_granularity) != 0)
		goto fail;
	ret = PMEMSET_E_INVALID_OFFSET_VALUE;
	if (pmem2_config_set_offset(*cfg, r->offset) != 0)
		goto fail;
	pmem2_config_set_length(*cfg, r->length);
	pmem2_config_set_vdm(*cfg, (struct vdm *)&unused_mover);

	if (pmem2_source_alignment(r->src->pmem2, &r->align) != 0)
		r->align = (size_t)sysconf(_SC_PAGESIZE);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	if (r->length % r->align || r->length % page) {
		pmem2_config_delete(cfg);
		return err_msg(
			PMEMSET_E_LENGTH_UNALIGNED,
			"length %zu is not a multiple of the alignment %zu",
			r->length, r->align > page ? r->align : page);
	}
	return 0;
fail:
	pmem2_config_delete(cfg);
	return err_pmem2(ret, ret, "libpmem2 refused the map config");
}

/* the anchor's last part: where a coalesced part must follow */
static struct part *
anchor_last_part(struct pmemset *set)
{
	return set_part_at(set, set->anchor->addr + set->anchor->size - 1);
}

/*
 * step 8: a slot for the part. *coalesce tells whether it extends the
 * anchor.
 */
static int
map_place(struct pmemset *set, struct map_req *r, struct placement *pl,
	  bool *coalesce)
{
	*coalesce = false;
	if (set->coalescing != PMEMSET_COALESCING_NONE && set->anchor) {
		struct part *last = anchor_last_part(set);
		int ret = arena_place_after(set, last->arena,
					    last->addr + last->size, r->length,
					    pl);
		if (ret == 0) {
			*coalesce = true;
			return 0;
		}
		if (ret < 0)
			return ret;
		if (set->coalescing == PMEMSET_COALESCING_FULL)
			return err_msg(
				PMEMSET_E_CANNOT_COALESCE_PARTS,
				"the %zu bytes after the previous part map "
				"are not available",
				r->length);
	}
	return arena_place_first_fit(set, r->length, r->align, pl);
}

/*
 * A map in flight: what the claim (under the lock) reserved, carried to
 * pmem2_map_new (without it) and to the publication (under it again).
 */
struct map_job {
	struct map_req r;
	struct placement pl;
	bool coalesce;			 /* the claim follows the anchor */
	struct pmemset_part_map *anchor; /* the anchor it follows */
	struct part *p;
	struct pmemset_part_map *m; /* spare: the new part map, if any */
	/* copied at publication: once the lock is free p may go any time */
	void *addr;
	bool sds;
};

/* step 8 under the lock: a part map and a slot, or nothing */
static int
map_claim(struct pmemset *set, struct map_job *j)
{
	j->m = pmap_alloc(set);
	if (j->m == NULL)
		return err_errno(-ENOMEM, ENOMEM, "cannot allocate a part map");
	int ret = map_place(set, &j->r, &j->pl, &j->coalesce);
	if (ret) {
		pmap_free(set, j->m);
		return ret;
	}
	j->anchor = j->coalesce ? set->anchor : NULL;
	return 0;
}

/*
 * map_still_follows -- whether the claimed slot still extends the anchor:
 * a remove or another map may have moved it while the lock was free
 */
static bool
map_still_follows(struct pmemset *set, const struct map_job *j)
{
	struct pmemset_part_map *a = set->anchor;
	return a && a == j->anchor && a->addr + a->size == j->p->addr;
}

/* step 11: register the part in the trees */
static void
map_commit(struct pmemset *set, struct map_job *j,
	   struct pmemset_part_descriptor *desc)
{
	struct part *p = j->p;
	struct pmemset_part_map *m = j->m;
	RB_INSERT(part_tree, &set->parts, p);
	set->nparts++;
	if (j->coalesce) {
		pmap_free(set, m);
		m = set->anchor;
		STORE(m->size, m->size + p->size);
		index_resize(set, m);
	} else {
		STORE(m->addr, p->addr);
		STORE(m->size, p->size);
		RB_INSERT(pmap_tree, &set->pmaps, m);
		index_insert(set, m);
		STORE(set->npmaps, set->npmaps + 1);
		set->anchor = m;
	}
	if (desc) {
		desc->addr = m->addr;
		desc->size = m->size;
	}
}

/* steps 9-11 under the lock again: the mapped part becomes visible */
static int
map_publish(struct pmemset *set, struct map_job *j,
	    struct pmemset_part_descriptor *desc)
{
	struct part *p = j->p;
	if (set->nparts == 0)
		set_fix_granularity(set, p->map);
	else if (pmem2_map_get_store_granularity(p->map) !=
		 set->effective_granularity)
		return err_msg(
			PMEMSET_E_GRANULARITY_MISMATCH,
			"the part's store granularity differs from the set's");
	if (j->coalesce && !map_still_follows(set, j)) {
		if (set->coalescing == PMEMSET_COALESCING_FULL)
			return err_msg(PMEMSET_E_CANNOT_COALESCE_PARTS,
				       "the previous part map changed while "
				       "the part was mapped");
		j->coalesce = false; /* opportunistic: a part map of its own */
	}
	set_write_begin(set);
	map_commit(set, j, desc);
	set_write_end(set);
	p->sds = sds_part_added(p->src);
	j->addr = p->addr;
	j->sds = p->sds;
	return 0;
}

/*
 * map_in_three_steps -- claim under the lock, map without it (the system
 * calls of pmem2_map_new take tens of microseconds), publish under it
 */
static int
map_in_three_steps(struct pmemset *set, struct pmem2_config *cfg,
		   struct map_job *j, struct pmemset_part_descriptor *desc)
{
	pthread_rwlock_wrlock(&set->lock);
	int ret = map_claim(set, j);
	pthread_rwlock_unlock(&set->lock);
	if (ret)
		return ret;

	size_t off = (size_t)(j->pl.addr - j->pl.arena->base);
	pmem2_config_set_vm_reservation(cfg, j->pl.arena->rsv, off);
	arena_pmem2_begin(j->pl.arena);
	ret = pmem2_map_new(&j->p->map, cfg, j->r.src->pmem2);
	arena_pmem2_end(j->pl.arena, ret != 0);
	if (ret) {
		ret = err_pmem2(PMEMSET_E_INVALID_PMEM2_MAP, ret,
				"cannot map %zu bytes at offset %zu",
				j->r.length, j->r.offset);
		pthread_rwlock_wrlock(&set->lock);
		arena_unplace_failed(set, &j->pl, j->r.length);
		pmap_free(set, j->m);
		pthread_rwlock_unlock(&set->lock);
		return ret;
	}
	j->p->addr = pmem2_map_get_address(j->p->map);
	j->p->size = j->r.length;
	j->p->arena = j->pl.arena;
	j->p->src = j->r.src;

	pthread_rwlock_wrlock(&set->lock);
	ret = map_publish(set, j, desc);
	pthread_rwlock_unlock(&set->lock);
	if (ret == 0)
		return 0;

	/* refused at publication: the part was never visible */
	arena_pmem2_begin(j->pl.arena);
	bool unmapped = pmem2_map_delete(&j->p->map) == 0;
	arena_pmem2_end(j->pl.arena, false);
	pthread_rwlock_wrlock(&set->lock);
	if (unmapped)
		arena_unplace(set, &j->pl, j->r.length);
	pmap_free(set, j->m);
	pthread_rwlock_unlock(&set->lock);
	if (!unmapped) /* the slot stays taken: libpmem2 still holds it */
		LOG(LOG_ERROR, "cannot unmap a refused part: %s",
		    pmem2_errormsg());
	return ret;
}

/* step 12: the events of a new part */
static void
map_fire_events(struct pmemset *set, struct pmemset_source *src, void *addr,
		size_t size, bool sds)
{
	if (event_wanted(set, PMEMSET_EVENT_PART_ADD)) {
		struct pmemset_event_context ctx;
		event_init(&ctx, PMEMSET_EVENT_PART_ADD);
		ctx.data.part_add.addr = addr;
		ctx.data.part_add.len = size;
		ctx.data.part_add.src = src->pmem2;
		event_fire(set, &ctx);
	}
	if (sds)
		sds_fire_update(set, src);
}

int
pmemset_map(struct pmemset *set, struct pmemset_source *src,
	    struct pmemset_map_config *map_cfg,
	    struct pmemset_part_descriptor *desc)
{
	LOG(LOG_CALLS, "pmemset_map(set %p, src %p, map_cfg %p, desc %p)",
	    (void *)set, (void *)src, (void *)map_cfg, (void *)desc);
	if (set == NULL)
		return err_msg(-EINVAL, "set is NULL");
	if (src == NULL || src->closed)
		return err_msg(PMEMSET_E_INVALID_SOURCE_TYPE,
			       "source is NULL or deleted");
	int ret = set_reentry(set, "pmemset_map");
	if (ret)
		return ret;
	struct map_req r = { src, map_cfg ? map_cfg->offset : 0,
			     map_cfg ? map_cfg->length : 0, 0 };

	/* steps 2-5 need no lock: they fire events and touch the file */
	ret = sds_check(set, src);
	if (ret == 0)
		ret = badblock_check(set, src);
	if (ret == 0)
		ret = map_size_source(&r);
	struct pmem2_config *cfg = NULL;
	if (ret == 0)
		ret = map_pmem2_config(set, &r, &cfg);
	if (ret)
		return ret;

	/* allocated up front: nothing may fail once the part is mapped */
	struct map_job j = { .r = r };
	j.p = calloc(1, sizeof(*j.p));
	if (j.p == NULL) {
		pmem2_config_delete(&cfg);
		return err_errno(-ENOMEM, ENOMEM, "cannot allocate a part");
	}

	/* the source's reference first: its holder may delete it any time */
	source_hold(src);
	ret = map_in_three_steps(set, cfg, &j, desc);
	pmem2_config_delete(&cfg);
	if (ret) {
		source_release(src);
		free(j.p);
		return ret;
	}
	LOG(LOG_BASIC, "mapped %zu bytes of %s at %p", r.length,
	    src->path ? src->path : "(unnamed)", j.addr);
	map_fire_events(set, src, j.addr, r.length, j.sds);
	return 0;
}
