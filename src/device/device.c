/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * device.c -- the device handle of a source: picks the backend once, at
 * attach time, and dispatches every question to it.
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpmemset.h>

#include <libpmem2.h>

#include "device_emu.h"
#include "device_impl.h"
#include "emu_state.h"

#define DELETED_SUFFIX " (deleted)"

/*
 * fd_path -- the path the kernel reports for fd, without the suffix it
 * appends for unlinked files, so that a temporary (O_TMPFILE) file resolves
 * through the directory it was created in.
 */
static char *
fd_path(int fd)
{
	char link[64];
	char buf[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, buf, sizeof(buf) - 1);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	size_t slen = strlen(DELETED_SUFFIX);
	if ((size_t)n > slen && strcmp(buf + n - slen, DELETED_SUFFIX) == 0)
		buf[n - slen] = '\0';
	if (buf[0] != '/') /* pipes, sockets, anonymous memory */
		return NULL;
	return strdup(buf);
}

/* resolve_path -- the canonical path of the source, NULL when unknown */
static char *
resolve_path(int fd, const char *path)
{
	if (path) {
		char *real = realpath(path, NULL);
		if (real)
			return real;
	}
	return fd >= 0 ? fd_path(fd) : NULL;
}

int
device_attach(struct device **devp, struct pmem2_source *p2src, int fd,
	      const char *path)
{
	emu_error_reset();
	*devp = NULL;
	struct device *dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->p2src = p2src;
	dev->fd = fd;
	dev->path = resolve_path(fd, path);
	dev->ops = &device_real_ops;
	int ret = device_emu_claim(dev);
	if (ret < 0) {
		free(dev->path);
		free(dev);
		return ret;
	}
	*devp = dev;
	return 0;
}

void
device_detach(struct device **devp)
{
	struct device *dev = *devp;
	if (!dev)
		return;
	free(dev->path);
	free(dev->emu_desc);
	free(dev);
	*devp = NULL;
}

const char *
device_errormsg(void)
{
	return emu_errormsg(); /* the only backend with messages of its own */
}

int
device_is_emulated(const struct device *dev)
{
	return dev->ops == &device_emu_ops;
}

int
device_usc(struct device *dev, uint64_t *usc)
{
	emu_error_reset();
	return dev->ops->usc(dev, usc);
}

int
device_id(struct device *dev, char *id, size_t *len)
{
	emu_error_reset();
	return dev->ops->id(dev, id, len);
}

int
device_bb_ctx_new(struct device *dev, struct device_bb_ctx **ctxp)
{
	emu_error_reset();
	*ctxp = NULL;
	struct device_bb_ctx *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->dev = dev;
	int ret = dev->ops->bb_ctx_new(dev, ctx);
	if (ret) {
		dev->ops->bb_ctx_fini(ctx);
		free(ctx);
		return ret;
	}
	*ctxp = ctx;
	return 0;
}

int
device_bb_next(struct device_bb_ctx *ctx, struct pmemset_badblock *bb)
{
	emu_error_reset();
	return ctx->dev->ops->bb_next(ctx, bb);
}

int
device_bb_clear(struct device_bb_ctx *ctx, const struct pmemset_badblock *bb)
{
	emu_error_reset();
	return ctx->dev->ops->bb_clear(ctx, bb);
}

void
device_bb_ctx_delete(struct device_bb_ctx **ctxp)
{
	struct device_bb_ctx *ctx = *ctxp;
	if (!ctx)
		return;
	ctx->dev->ops->bb_ctx_fini(ctx);
	free(ctx);
	*ctxp = NULL;
}

/*
 * Both backends read and write through libpmem2's media-error-safe calls;
 * they differ only in what they check first (the emulated one also refuses
 * ranges touching an emulated bad block).
 */
int
device_pread_mcsafe(struct device *dev, void *buf, size_t size, size_t offset)
{
	emu_error_reset();
	int ret = dev->ops->check_io(dev, size, offset);
	if (ret || size == 0)
		return ret;
	return pmem2_source_pread_mcsafe(dev->p2src, buf, size, offset);
}

int
device_pwrite_mcsafe(struct device *dev, void *buf, size_t size, size_t offset)
{
	emu_error_reset();
	int ret = dev->ops->check_io(dev, size, offset);
	if (ret || size == 0)
		return ret;
	return pmem2_source_pwrite_mcsafe(dev->p2src, buf, size, offset);
}
