/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_device_real.c -- the real backend on a regular file: no usc, no id,
 * no bad blocks; mcsafe I/O moves data and refuses ranges past the end;
 * clearing a range zeroes it.
 */

#include <libpmem2.h>
#include <pmemset_emu.h>

#include "device.h"
#include "ut.h"

#define FILE_SIZE (64 * 1024)

struct fixture {
	const char *path;
	int fd;
	struct pmem2_source *p2src;
	struct device *dev;
};

static void
open_fixture(struct fixture *f, const char *name, const char *path_arg)
{
	f->path = ut_path(name);
	ut_file(f->path, FILE_SIZE, 'a');
	f->fd = open(f->path, O_RDWR);
	UT_ASSERT(f->fd >= 0);
	UT_OK(pmem2_source_from_fd(&f->p2src, f->fd));
	UT_OK(device_attach(&f->dev, f->p2src, f->fd,
			    path_arg ? f->path : NULL));
	UT_ASSERT(f->dev != NULL);
	UT_ASSERTeq(device_is_emulated(f->dev), 0);
}

static void
close_fixture(struct fixture *f)
{
	device_detach(&f->dev);
	UT_ASSERT(f->dev == NULL);
	device_detach(&f->dev); /* no-op */
	pmem2_source_delete(&f->p2src);
	close(f->fd);
	unlink(f->path);
}

static void
no_usc_no_id(void)
{
	struct fixture f;
	open_fixture(&f, "nousc", "path");
	uint64_t usc = 12345;
	UT_ASSERTeq(device_usc(f.dev, &usc), PMEM2_E_NOSUPP);
	size_t len = 0;
	UT_ASSERTeq(device_id(f.dev, NULL, &len), PMEM2_E_NOSUPP);
	close_fixture(&f);
}

static void
no_badblocks(void)
{
	struct fixture f;
	open_fixture(&f, "nobb", NULL);
	struct device_bb_ctx *ctx = NULL;
	UT_OK(device_bb_ctx_new(f.dev, &ctx));
	UT_ASSERT(ctx != NULL);
	struct pmemset_badblock bb;
	UT_ASSERTeq(device_bb_next(ctx, &bb), PMEM2_E_NO_BAD_BLOCK_FOUND);

	/* clearing a range of a regular file zeroes it */
	bb.offset = 4096;
	bb.length = 8192;
	UT_OK(device_bb_clear(ctx, &bb));
	char buf[FILE_SIZE];
	ut_file_read(f.path, buf, sizeof(buf), 0);
	for (size_t i = 0; i < sizeof(buf); i++) {
		int want = i >= 4096 && i < 12288 ? 0 : 'a';
		if (buf[i] != want)
			UT_FAIL("byte %zu is %d, not %d", i, buf[i], want);
	}
	UT_ASSERTeq(ut_file_size(f.path), FILE_SIZE);
	device_bb_ctx_delete(&ctx);
	UT_ASSERT(ctx == NULL);
	device_bb_ctx_delete(&ctx); /* no-op */
	close_fixture(&f);
}

static void
mcsafe_io(void)
{
	struct fixture f;
	open_fixture(&f, "io", "path");
	char out[100], in[100];
	memset(out, 'Z', sizeof(out));
	UT_OK(device_pwrite_mcsafe(f.dev, out, sizeof(out), 1000));
	UT_OK(device_pread_mcsafe(f.dev, in, sizeof(in), 1000));
	UT_ASSERT(memcmp(in, out, sizeof(in)) == 0);
	ut_file_read(f.path, in, sizeof(in), 1000);
	UT_ASSERT(memcmp(in, out, sizeof(in)) == 0);

	/* ranges that end at the end of the file work, past it do not */
	UT_OK(device_pread_mcsafe(f.dev, in, sizeof(in),
				  FILE_SIZE - sizeof(in)));
	UT_ASSERTeq(device_pread_mcsafe(f.dev, in, sizeof(in),
					FILE_SIZE - sizeof(in) + 1),
		    PMEM2_E_LENGTH_OUT_OF_RANGE);
	UT_ASSERTeq(
		device_pwrite_mcsafe(f.dev, out, sizeof(out), FILE_SIZE - 1),
		PMEM2_E_LENGTH_OUT_OF_RANGE);
	/* an offset beyond the end must not wrap the check around */
	UT_ASSERTeq(device_pread_mcsafe(f.dev, in, 1, SIZE_MAX),
		    PMEM2_E_LENGTH_OUT_OF_RANGE);
	UT_ASSERTeq(device_pwrite_mcsafe(f.dev, out, SIZE_MAX, 2),
		    PMEM2_E_LENGTH_OUT_OF_RANGE);
	UT_ASSERTeq(ut_file_size(f.path), FILE_SIZE); /* never extends */
	/* size 0 succeeds, even at the end */
	UT_OK(device_pread_mcsafe(f.dev, in, 0, FILE_SIZE));
	close_fixture(&f);
}

/* emulation on, but the file lies on no emulated device: real backend */
static void
outside_emulation(void)
{
	const char *desc = ut_path("outside.emu");
	const char *dir = ut_path("emudir");
	UT_ASSERTeq(mkdir(dir, 0755), 0);
	UT_OK(pmemset_emu_select(desc));
	UT_OK(pmemset_emu_device_add("elsewhere", 1, dir));
	struct fixture f;
	open_fixture(&f, "outside", "path");
	uint64_t usc;
	UT_ASSERTeq(device_usc(f.dev, &usc), PMEM2_E_NOSUPP);
	close_fixture(&f);
	UT_OK(pmemset_emu_select(NULL));
	rmdir(dir);
}

int
main(void)
{
	unsetenv("PMEMSET_EMULATE");
	UT_RUN(no_usc_no_id);
	UT_RUN(no_badblocks);
	UT_RUN(mcsafe_io);
	UT_RUN(outside_emulation);
	return 0;
}
