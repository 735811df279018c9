/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * device_real.c -- the real backend: every answer comes from libpmem2,
 * which asks libndctl about the hardware behind the source.
 */

#include <libpmem2.h>
#include <libpmemset.h>

#include "device_impl.h"

static int
real_usc(struct device *dev, uint64_t *usc)
{
	return pmem2_source_device_usc(dev->p2src, usc);
}

static int
real_id(struct device *dev, char *id, size_t *len)
{
	return pmem2_source_device_id(dev->p2src, id, len);
}

static int
real_bb_ctx_new(struct device *dev, struct device_bb_ctx *ctx)
{
	return pmem2_badblock_context_new(&ctx->p2ctx, dev->p2src);
}

static int
real_bb_next(struct device_bb_ctx *ctx, struct pmemset_badblock *bb)
{
	struct pmem2_badblock p2bb;
	int ret = pmem2_badblock_next(ctx->p2ctx, &p2bb);
	if (ret)
		return ret;
	bb->offset = p2bb.offset;
	bb->length = p2bb.length;
	return 0;
}

static int
real_bb_clear(struct device_bb_ctx *ctx, const struct pmemset_badblock *bb)
{
	struct pmem2_badblock p2bb = { .offset = bb->offset,
				       .length = bb->length };
	return pmem2_badblock_clear(ctx->p2ctx, &p2bb);
}

static void
real_bb_ctx_fini(struct device_bb_ctx *ctx)
{
	if (ctx->p2ctx)
		pmem2_badblock_context_delete(&ctx->p2ctx);
}

/* real_check_io -- libpmem2's own check can wrap when offset > size */
static int
real_check_io(struct device *dev, size_t size, size_t offset)
{
	size_t file_size;
	int ret = pmem2_source_size(dev->p2src, &file_size);
	if (ret)
		return ret;
	return device_check_range(file_size, size, offset);
}

const struct device_ops device_real_ops = {
	.usc = real_usc,
	.id = real_id,
	.bb_ctx_new = real_bb_ctx_new,
	.bb_next = real_bb_next,
	.bb_clear = real_bb_clear,
	.bb_ctx_fini = real_bb_ctx_fini,
	.check_io = real_check_io,
};
