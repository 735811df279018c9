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

/* steps 11: register the part in the trees */
static void
map_commit(struct pmemset *set, struct part *p, struct pmemset_part_map *m,
	   bool coalesce, struct pmemset_part_descriptor *desc)
{
	RB_INSERT(part_tree, &set->parts, p);
	set->nparts++;
	if (coalesce) {
		pmap_free(set, m);
		m = set->anchor;
		m->size += p->size;
	} else {
		m->addr = p->addr;
		m->size = p->size;
		m->refs = 0;
		m->set = set;
		RB_INSERT(pmap_tree, &set->pmaps, m);
		index_insert(set, m);
		set->npmaps++;
		set->anchor = m;
	}
	if (desc) {
		desc->addr = m->addr;
		desc->size = m->size;
	}
}

/* steps 8-11, under the set's write lock */
static int
map_locked(struct pmemset *set, struct map_req *r, struct pmem2_config *cfg,
	   struct part *p, struct pmemset_part_map *m,
	   struct pmemset_part_descriptor *desc)
{
	struct placement pl;
	bool coalesce;
	int ret = map_place(set, r, &pl, &coalesce);
	if (ret)
		return ret;

	size_t off = (size_t)(pl.addr - pl.arena->base);
	pmem2_config_set_vm_reservation(cfg, pl.arena->rsv, off);
	ret = pmem2_map_new(&p->map, cfg, r->src->pmem2);
	if (ret) {
		arena_unplace(set, &pl, r->length);
		return err_pmem2(PMEMSET_E_INVALID_PMEM2_MAP, ret,
				 "cannot map %zu bytes at offset %zu",
				 r->length, r->offset);
	}
	if (set->nparts == 0) {
		set_fix_granularity(set, p->map);
	} else if (pmem2_map_get_store_granularity(p->map) !=
		   set->effective_granularity) {
		pmem2_map_delete(&p->map);
		arena_unplace(set, &pl, r->length);
		return err_msg(
			PMEMSET_E_GRANULARITY_MISMATCH,
			"the part's store granularity differs from the set's");
	}
	p->addr = pmem2_map_get_address(p->map);
	p->size = r->length;
	p->arena = pl.arena;
	p->src = r->src;
	map_commit(set, p, m, coalesce, desc);
	return 0;
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
	struct map_req r = { src, map_cfg ? map_cfg->offset : 0,
			     map_cfg ? map_cfg->length : 0, 0 };

	/* steps 2-5 need no lock: they fire events and touch the file */
	int ret = sds_check(set, src);
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
	struct part *p = calloc(1, sizeof(*p));
	if (p == NULL) {
		pmem2_config_delete(&cfg);
		return err_errno(-ENOMEM, ENOMEM, "cannot allocate a part");
	}

	/* the source's reference first: its holder may delete it any time */
	source_hold(src);
	pthread_rwlock_wrlock(&set->lock);
	struct pmemset_part_map *m = pmap_alloc(set);
	if (m == NULL)
		ret = err_errno(-ENOMEM, ENOMEM, "cannot allocate a part map");
	else
		ret = map_locked(set, &r, cfg, p, m, desc);
	if (ret && m)
		pmap_free(set, m);
	/* copied under the lock: another thread may remove the part later */
	void *addr = p->addr;
	bool sds = false;
	if (ret == 0)
		sds = p->sds = sds_part_added(src);
	pthread_rwlock_unlock(&set->lock);
	pmem2_config_delete(&cfg);
	if (ret) {
		source_release(src);
		free(p);
		return ret;
	}
	LOG(LOG_BASIC, "mapped %zu bytes of %s at %p", r.length,
	    src->path ? src->path : "(unnamed)", addr);
	map_fire_events(set, src, addr, r.length, sds);
	return 0;
}
