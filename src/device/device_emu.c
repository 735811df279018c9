/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * device_emu.c -- the emulated backend: device id, usc and bad blocks come
 * from the emulated-device description, re-read at every question so that
 * changes made by other processes are seen at once.
 *
 * The device of a source is looked up by the source's path at each
 * question, so replacing a device (a new id for the same path) is seen by
 * existing sources, as a changed DIMM would be.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpmem2.h>
#include <libpmemset.h>

#include "device_emu.h"
#include "device_impl.h"
#include "emu_store.h"

#define ZERO_CHUNK ((size_t)1 << 16)

int
device_emu_claim(struct device *dev)
{
	if (!dev->path)
		return 0;
	int ret;
	char *desc = emu_store_selected(&ret);
	if (!desc)
		return ret;
	struct emu_state st;
	ret = emu_store_load(desc, &st);
	if (ret) {
		free(desc);
		return ret;
	}
	int claimed = emu_state_find_covering(&st, dev->path) != NULL;
	emu_state_clear(&st);
	if (!claimed) {
		free(desc);
		return 0;
	}
	dev->emu_desc = desc;
	dev->ops = &device_emu_ops;
	return 1;
}

/* load -- the description now and the device the source lies on */
static int
load(struct device *dev, struct emu_state *st, struct emu_device **edev)
{
	int ret = emu_store_load(dev->emu_desc, st);
	if (ret)
		return ret;
	*edev = emu_state_find_covering(st, dev->path);
	if (*edev)
		return 0;
	emu_state_clear(st);
	return emu_error(-ENODEV, "no emulated device holds '%s' any more",
			 dev->path);
}

static int
emu_usc(struct device *dev, uint64_t *usc)
{
	struct emu_state st;
	struct emu_device *edev;
	int ret = load(dev, &st, &edev);
	if (ret)
		return ret;
	*usc = edev->usc;
	emu_state_clear(&st);
	return 0;
}

static int
emu_id(struct device *dev, char *id, size_t *len)
{
	struct emu_state st;
	struct emu_device *edev;
	int ret = load(dev, &st, &edev);
	if (ret)
		return ret;
	size_t need = strlen(edev->id) + 1;
	if (!id)
		*len = need;
	else if (*len < need)
		ret = emu_error(PMEM2_E_BUFFER_TOO_SMALL,
				"device id needs %zu bytes, buffer has %zu",
				need, *len);
	else
		memcpy(id, edev->id, need);
	emu_state_clear(&st);
	return ret;
}

static int
file_size(struct device *dev, size_t *size)
{
	return pmem2_source_size(dev->p2src, size);
}

static int
cmp_bb(const void *a, const void *b)
{
	const struct pmemset_badblock *x = a, *y = b;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/*
 * emu_bb_ctx_new -- snapshot the bad blocks of the file that lie within it,
 * in offset order, cut at the end of the file
 */
static int
emu_bb_ctx_new(struct device *dev, struct device_bb_ctx *ctx)
{
	size_t fsize;
	int ret = file_size(dev, &fsize);
	if (ret)
		return ret;
	struct emu_state st;
	struct emu_device *edev;
	ret = load(dev, &st, &edev);
	if (ret)
		return ret;
	ctx->bbs = calloc(st.nbbs ? st.nbbs : 1, sizeof(*ctx->bbs));
	if (!ctx->bbs) {
		emu_state_clear(&st);
		return -ENOMEM;
	}
	for (size_t i = 0; i < st.nbbs; i++) {
		const struct emu_badblock *b = &st.bbs[i];
		if (strcmp(b->path, dev->path) != 0 || b->offset >= fsize)
			continue;
		struct pmemset_badblock *bb = &ctx->bbs[ctx->nbbs++];
		bb->offset = (size_t)b->offset;
		bb->length = (size_t)b->length;
		if (bb->length > fsize - bb->offset)
			bb->length = fsize - bb->offset;
	}
	qsort(ctx->bbs, ctx->nbbs, sizeof(*ctx->bbs), cmp_bb);
	emu_state_clear(&st);
	return 0;
}

static int
emu_bb_next(struct device_bb_ctx *ctx, struct pmemset_badblock *bb)
{
	if (ctx->next >= ctx->nbbs)
		return PMEM2_E_NO_BAD_BLOCK_FOUND;
	*bb = ctx->bbs[ctx->next++];
	return 0;
}

/* zero_range -- the data of a cleared bad block is gone: zeroes */
static int
zero_range(int fd, size_t offset, size_t length)
{
	if (fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
		      (off_t)offset, (off_t)length) == 0)
		return 0;
	static const char zeros[ZERO_CHUNK];
	while (length) {
		size_t n = length < ZERO_CHUNK ? length : ZERO_CHUNK;
		ssize_t w = pwrite(fd, zeros, n, (off_t)offset);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return emu_error(-errno, "cannot zero bad block: %s",
					 strerror(errno));
		offset += (size_t)w;
		length -= (size_t)w;
	}
	return 0;
}

struct forget_arg {
	const char *path;
	uint64_t offset;
	uint64_t length;
};

static int
forget(struct emu_state *st, void *arg)
{
	struct forget_arg *a = arg;
	return emu_state_remove_badblocks(st, a->path, a->offset, a->length);
}

/*
 * emu_bb_clear -- zero the range in the file (never past its end), then
 * drop it from the description; checks as libpmem2 does for files
 */
static int
emu_bb_clear(struct device_bb_ctx *ctx, const struct pmemset_badblock *bb)
{
	struct device *dev = ctx->dev;
	if (bb->offset > INT64_MAX)
		return PMEM2_E_OFFSET_OUT_OF_RANGE;
	if (bb->length > INT64_MAX || bb->length > INT64_MAX - bb->offset)
		return PMEM2_E_LENGTH_OUT_OF_RANGE;
	size_t fsize;
	int ret = file_size(dev, &fsize);
	if (ret)
		return ret;
	if (bb->offset < fsize) {
		size_t len = bb->length;
		if (len > fsize - bb->offset)
			len = fsize - bb->offset;
		ret = zero_range(dev->fd, bb->offset, len);
		if (ret)
			return ret;
		if (fdatasync(dev->fd) != 0 && errno != EINVAL)
			return emu_error(-errno, "cannot sync '%s': %s",
					 dev->path, strerror(errno));
	}
	struct forget_arg a = { dev->path, bb->offset, bb->length };
	return emu_store_update(dev->emu_desc, forget, &a);
}

static void
emu_bb_ctx_fini(struct device_bb_ctx *ctx)
{
	free(ctx->bbs);
	ctx->bbs = NULL;
}

/* emu_check_io -- in bounds and clear of every bad block, or why not */
static int
emu_check_io(struct device *dev, size_t size, size_t offset)
{
	size_t fsize;
	int ret = file_size(dev, &fsize);
	if (ret)
		return ret;
	ret = device_check_range(fsize, size, offset);
	if (ret || size == 0)
		return ret;
	struct emu_state st;
	struct emu_device *edev;
	ret = load(dev, &st, &edev);
	if (ret)
		return ret;
	if (emu_state_overlaps_badblock(&st, dev->path, offset, size))
		ret = emu_error(PMEM2_E_IO_FAIL,
				"%zu bytes at %zu of '%s' touch an emulated "
				"bad block",
				size, offset, dev->path);
	emu_state_clear(&st);
	return ret;
}

const struct device_ops device_emu_ops = {
	.usc = emu_usc,
	.id = emu_id,
	.bb_ctx_new = emu_bb_ctx_new,
	.bb_next = emu_bb_next,
	.bb_clear = emu_bb_clear,
	.bb_ctx_fini = emu_bb_ctx_fini,
	.check_io = emu_check_io,
};
