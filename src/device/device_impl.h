/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * device_impl.h -- what the two device backends share: the handle, the
 * bad-block scan and the table of operations device.c dispatches through.
 */

#ifndef PMEMSET_DEVICE_IMPL_H
#define PMEMSET_DEVICE_IMPL_H 1

#include <stddef.h>
#include <stdint.h>

#include <libpmem2.h>

#include "device.h"

struct device_ops {
	int (*usc)(struct device *dev, uint64_t *usc);
	int (*id)(struct device *dev, char *id, size_t *len);
	int (*bb_ctx_new)(struct device *dev, struct device_bb_ctx *ctx);
	int (*bb_next)(struct device_bb_ctx *ctx, struct pmemset_badblock *bb);
	int (*bb_clear)(struct device_bb_ctx *ctx,
			const struct pmemset_badblock *bb);
	void (*bb_ctx_fini)(struct device_bb_ctx *ctx);
	/* may size bytes at offset be read or written: in bounds, not bad */
	int (*check_io)(struct device *dev, size_t size, size_t offset);
};

struct device {
	const struct device_ops *ops;
	struct pmem2_source *p2src;
	int fd;
	char *path;	/* resolved absolute path, NULL when unknown */
	char *emu_desc; /* emulated: the description file, else NULL */
};

struct device_bb_ctx {
	struct device *dev;
	/* real backend */
	struct pmem2_badblock_context *p2ctx;
	/* emulated backend: a snapshot of the source's bad blocks */
	struct pmemset_badblock *bbs;
	size_t nbbs;
	size_t next;
};

extern const struct device_ops device_real_ops;
extern const struct device_ops device_emu_ops;

/*
 * device_check_range -- PMEM2_E_LENGTH_OUT_OF_RANGE unless
 * [offset, offset + size) lies inside a file of file_size bytes; written so
 * that no sum can wrap.
 */
static inline int
device_check_range(size_t file_size, size_t size, size_t offset)
{
	if (offset > file_size || size > file_size - offset)
		return PMEM2_E_LENGTH_OUT_OF_RANGE;
	return 0;
}

#endif /* PMEMSET_DEVICE_IMPL_H */
