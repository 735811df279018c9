/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mcsafe.c -- pmemset_source_pread_mcsafe / pwrite_mcsafe: I/O through the
 * source that survives media errors, answered by the device layer.
 */

#include <errno.h>

#include "device.h"
#include "err.h"
#include "source.h"

typedef int mcsafe_fn(struct device *dev, void *buf, size_t size,
		      size_t offset);

static int
mcsafe_io(struct pmemset_source *src, void *buf, size_t size, size_t offset,
	  mcsafe_fn *io, const char *what)
{
	if (src == NULL || src->pmem2 == NULL)
		return err_msg(-EINVAL, "%s: source is NULL or deleted", what);
	if (size == 0)
		return 0;
	if (buf == NULL)
		return err_msg(-EINVAL, "%s: buffer is NULL", what);

	size_t src_size;
	int ret = pmem2_source_size(src->pmem2, &src_size);
	if (ret)
		return err_pmem2(ret, ret, "%s: cannot read the source size",
				 what);
	/* checked here: libpmem2's own unsigned sum can wrap */
	if (offset > src_size || size > src_size - offset)
		return err_msg(
			PMEMSET_E_LENGTH_OUT_OF_RANGE,
			"%s: range [%zu, +%zu) is past the source size %zu",
			what, offset, size, src_size);

	ret = io(src->dev, buf, size, offset);
	switch (ret) {
	case 0:
		return 0;
	case PMEM2_E_LENGTH_OUT_OF_RANGE:
		return err_msg(PMEMSET_E_LENGTH_OUT_OF_RANGE,
			       "%s: range [%zu, +%zu) is past the source size",
			       what, offset, size);
	case PMEM2_E_IO_FAIL:
		return err_msg(PMEMSET_E_IO_FAIL,
			       "%s: media error (bad block) in [%zu, +%zu)",
			       what, offset, size);
	default:
		if (ret > -4096 && ret < 0)
			return err_errno(ret, -ret, "%s", what);
		return err_pmem2(ret, ret, "%s", what);
	}
}

int
pmemset_source_pread_mcsafe(struct pmemset_source *src, void *buf, size_t size,
			    size_t offset)
{
	return mcsafe_io(src, buf, size, offset, device_pread_mcsafe,
			 "pread_mcsafe");
}

int
pmemset_source_pwrite_mcsafe(struct pmemset_source *src, void *buf, size_t size,
			     size_t offset)
{
	return mcsafe_io(src, buf, size, offset, device_pwrite_mcsafe,
			 "pwrite_mcsafe");
}
