/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * badblock.c -- bad-block detection and pmemset_badblock_clear (§3.11).
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "badblock.h"
#include "device.h"
#include "err.h"
#include "event.h"
#include "source.h"

/* bb_context -- a scan of the source, libpmem2's errors translated */
static int
bb_context(struct pmemset_source *src, struct device_bb_ctx **ctx)
{
	int ret = device_bb_ctx_new(src->dev, ctx);
	switch (ret) {
	case 0:
		return 0;
	case PMEM2_E_NOSUPP:
		return err_msg(
			PMEMSET_E_BADBLOCK_NOSUPP,
			"bad-block handling is not supported for this source");
	case PMEM2_E_DAX_REGION_NOT_FOUND:
		return err_msg(PMEMSET_E_DAX_REGION_NOT_FOUND,
			       "cannot find the DAX region of the source");
	case PMEM2_E_CANNOT_READ_BOUNDS:
		return err_msg(
			PMEMSET_E_CANNOT_READ_BOUNDS,
			"cannot read the bounds of the source's namespace");
	default:
		if (ret < 0 && ret > -4096)
			return err_errno(ret, -ret,
					 "cannot start a bad-block scan");
		return err_msg(ret, "cannot start a bad-block scan (%d)", ret);
	}
}

/* bb_collect -- every bad block of the source, in a malloc'ed array */
static int
bb_collect(struct pmemset_source *src, struct pmemset_badblock **bbs, size_t *n)
{
	struct device_bb_ctx *ctx;
	int ret = bb_context(src, &ctx);
	if (ret)
		return ret;
	*bbs = NULL;
	*n = 0;
	size_t cap = 0;
	struct pmemset_badblock bb;
	while ((ret = device_bb_next(ctx, &bb)) == 0) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 8;
			void *p = realloc(*bbs, cap * sizeof(bb));
			if (p == NULL) {
				ret = err_errno(-ENOMEM, ENOMEM,
						"cannot list bad blocks");
				goto out;
			}
			*bbs = p;
		}
		(*bbs)[(*n)++] = bb;
	}
	if (ret == PMEM2_E_NO_BAD_BLOCK_FOUND)
		ret = 0;
	else
		ret = err_msg(ret, "cannot read the next bad block (%d)", ret);
out:
	device_bb_ctx_delete(&ctx);
	if (ret) {
		free(*bbs);
		*bbs = NULL;
	}
	return ret;
}

int
badblock_check(struct pmemset *set, struct pmemset_source *src)
{
	if (!src->badblock_detection)
		return 0;
	struct pmemset_badblock *bbs;
	size_t n;
	/*
	 * The events fire after the scan is closed: their callbacks clear
	 * blocks with contexts of their own.
	 */
	int ret = bb_collect(src, &bbs, &n);
	if (ret)
		return ret;
	for (size_t i = 0; i < n; i++) {
		struct pmemset_badblock copy = bbs[i];
		struct pmemset_event_context ctx;
		event_init(&ctx, PMEMSET_EVENT_BADBLOCK);
		ctx.data.badblock.bb = &copy;
		ctx.data.badblock.src = src;
		event_fire(set, &ctx);
	}
	free(bbs);
	if (n == 0)
		return 0;

	ret = bb_collect(src, &bbs, &n);
	if (ret)
		return ret;
	free(bbs);
	if (n > 0)
		return err_msg(PMEMSET_E_IO_FAIL,
			       "%zu bad block(s) remain in the source", n);

	struct pmemset_event_context ctx;
	event_init(&ctx, PMEMSET_EVENT_BADBLOCKS_CLEARED);
	ctx.data.badblocks_cleared.src = src;
	ret = event_fire(set, &ctx);
	if (ret == 0)
		return 0;
	/* pmemset_map promises a negative code: a positive refusal is EIO */
	return err_msg(ret < 0 ? ret : PMEMSET_E_IO_FAIL,
		       "the BADBLOCKS_CLEARED callback returned %d", ret);
}

int
pmemset_badblock_clear(struct pmemset_badblock *bb, struct pmemset_source *src)
{
	LOG(LOG_CALLS, "pmemset_badblock_clear(bb %p, src %p)", (void *)bb,
	    (void *)src);
	if (bb == NULL || src == NULL || src->dev == NULL)
		return err_msg(-EINVAL, "bad block or source is NULL");
	if (bb->offset > INT64_MAX)
		return err_msg(PMEMSET_E_OFFSET_OUT_OF_RANGE,
			       "bad-block offset %zu is greater than INT64_MAX",
			       bb->offset);
	if (bb->length > INT64_MAX)
		return err_msg(PMEMSET_E_LENGTH_OUT_OF_RANGE,
			       "bad-block length %zu is greater than INT64_MAX",
			       bb->length);
	struct device_bb_ctx *ctx;
	int ret = bb_context(src, &ctx);
	if (ret)
		return ret;
	ret = device_bb_clear(ctx, bb);
	device_bb_ctx_delete(&ctx);
	switch (ret) {
	case 0:
		return 0;
	case PMEM2_E_NOSUPP:
		return err_msg(PMEMSET_E_BADBLOCK_NOSUPP,
			       "clearing bad blocks is not supported here");
	case PMEM2_E_OFFSET_OUT_OF_RANGE:
		return err_msg(PMEMSET_E_OFFSET_OUT_OF_RANGE,
			       "bad-block offset %zu is out of range",
			       bb->offset);
	case PMEM2_E_LENGTH_OUT_OF_RANGE:
		return err_msg(PMEMSET_E_LENGTH_OUT_OF_RANGE,
			       "bad-block length %zu is out of range",
			       bb->length);
	default:
		if (ret < 0 && ret > -4096)
			return err_errno(ret, -ret,
					 "cannot clear the bad block");
		return err_msg(ret, "cannot clear the bad block (%d)", ret);
	}
}

int
pmemset_source_badblocks(struct pmemset_source *src,
			 struct pmemset_badblock **bbs, size_t *count)
{
	LOG(LOG_CALLS, "pmemset_source_badblocks(src %p, bbs %p, count %p)",
	    (void *)src, (void *)bbs, (void *)count);
	if (src == NULL || bbs == NULL || count == NULL || src->dev == NULL)
		return err_msg(-EINVAL, "source, bbs or count is NULL");
	return bb_collect(src, bbs, count);
}
