/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_device_emu.c -- the emulated backend behind device.h: which sources
 * it claims, usc and id, bad-block scans and clears (data zeroed on disk),
 * mcsafe I/O failing over bad blocks, and a broken description.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <libpmem2.h>
#include <pmemset_emu.h>

#include "device.h"
#include "device_emu.h"
#include "ut.h"

#define FILE_SIZE (64 * 1024)

static char dir[4096];
static char file[4200];

struct fixture {
	int fd;
	struct pmem2_source *p2src;
	struct device *dev;
};

static void
attach(struct fixture *f, int fd, const char *path)
{
	f->fd = fd;
	UT_ASSERT(fd >= 0);
	UT_OK(pmem2_source_from_fd(&f->p2src, fd));
	UT_OK(device_attach(&f->dev, f->p2src, fd, path));
}

static void
detach(struct fixture *f)
{
	device_detach(&f->dev);
	pmem2_source_delete(&f->p2src);
	close(f->fd);
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "%s", ut_path("pmem0"));
	UT_ASSERTeq(mkdir(dir, 0755), 0);
	snprintf(file, sizeof(file), "%s/pool", dir);
	ut_file(file, FILE_SIZE, 'd');
	UT_OK(pmemset_emu_select(ut_path("dev.emu")));
	UT_OK(pmemset_emu_device_add("nvdimm-0x1234", 5, dir));
}

static void
usc_and_id(void)
{
	struct fixture f;
	attach(&f, open(file, O_RDWR), file);
	UT_ASSERTeq(device_is_emulated(f.dev), 1);
	uint64_t usc;
	UT_OK(device_usc(f.dev, &usc));
	UT_ASSERTeq(usc, 5);
	UT_OK(pmemset_emu_unsafe_shutdown("nvdimm-0x1234", NULL));
	UT_OK(device_usc(f.dev, &usc)); /* seen without re-attaching */
	UT_ASSERTeq(usc, 6);

	size_t len = 0;
	UT_OK(device_id(f.dev, NULL, &len));
	UT_ASSERTeq(len, strlen("nvdimm-0x1234") + 1);
	char id[64];
	size_t small = 4;
	UT_ASSERTeq(device_id(f.dev, id, &small), PMEM2_E_BUFFER_TOO_SMALL);
	UT_OK(device_id(f.dev, id, &len));
	UT_ASSERT(strcmp(id, "nvdimm-0x1234") == 0);

	/* the device replaced by another (a new DIMM): new id, same source */
	UT_OK(pmemset_emu_device_remove("nvdimm-0x1234"));
	UT_ASSERTeq(device_usc(f.dev, &usc), -ENODEV);
	UT_ASSERT(strstr(device_errormsg(), "no emulated device") != NULL);
	UT_OK(pmemset_emu_device_add("nvdimm-0x9999", 0, dir));
	len = sizeof(id);
	UT_OK(device_id(f.dev, id, &len));
	UT_ASSERT(strcmp(id, "nvdimm-0x9999") == 0);
	UT_OK(device_usc(f.dev, &usc));
	UT_ASSERTeq(usc, 0);
	UT_ASSERTeq(device_errormsg()[0], '\0');
	detach(&f);
	UT_OK(pmemset_emu_device_remove("nvdimm-0x9999"));
	UT_OK(pmemset_emu_device_add("nvdimm-0x1234", 5, dir));
}

/* how a source is found: by path, by descriptor, as a temporary file */
static void
claims(void)
{
	struct fixture f;
	attach(&f, open(file, O_RDWR), NULL); /* /proc/self/fd */
	UT_ASSERTeq(device_is_emulated(f.dev), 1);
	detach(&f);

	char rel[4300];
	snprintf(rel, sizeof(rel), "%s/../%s/pool", dir, strrchr(dir, '/') + 1);
	attach(&f, open(rel, O_RDWR), rel); /* realpath */
	UT_ASSERTeq(device_is_emulated(f.dev), 1);
	detach(&f);

	attach(&f, open(dir, O_TMPFILE | O_RDWR, 0600), NULL);
	UT_ASSERTeq(device_is_emulated(f.dev), 1);
	uint64_t usc;
	UT_OK(device_usc(f.dev, &usc));
	UT_ASSERTeq(usc, 5);
	detach(&f);

	/* a sibling whose name starts like the device's is not on it */
	char sibling[4200];
	snprintf(sibling, sizeof(sibling), "%s-not", dir);
	ut_file(sibling, 4096, 0);
	attach(&f, open(sibling, O_RDWR), sibling);
	UT_ASSERTeq(device_is_emulated(f.dev), 0);
	detach(&f);
	unlink(sibling);

	/* the choice is made once: turning emulation off later changes
	 * nothing for an attached source */
	char sel[4096];
	UT_OK(pmemset_emu_selected(sel, sizeof(sel)));
	attach(&f, open(file, O_RDWR), file);
	UT_OK(pmemset_emu_select(NULL));
	UT_OK(device_usc(f.dev, &usc));
	UT_ASSERTeq(usc, 5);
	detach(&f);
	attach(&f, open(file, O_RDWR), file);
	UT_ASSERTeq(device_is_emulated(f.dev), 0);
	detach(&f);
	UT_OK(pmemset_emu_select(sel));
}

static void
expect_bb(struct device_bb_ctx *ctx, size_t off, size_t len)
{
	struct pmemset_badblock bb;
	UT_OK(device_bb_next(ctx, &bb));
	UT_ASSERTeq(bb.offset, off);
	UT_ASSERTeq(bb.length, len);
}

static void
badblocks(void)
{
	struct fixture f;
	attach(&f, open(file, O_RDWR), file);
	struct device_bb_ctx *ctx;
	UT_OK(device_bb_ctx_new(f.dev, &ctx));
	struct pmemset_badblock bb;
	UT_ASSERTeq(device_bb_next(ctx, &bb), PMEM2_E_NO_BAD_BLOCK_FOUND);
	device_bb_ctx_delete(&ctx);

	/* added out of order, reported in offset order, cut at the end */
	UT_OK(pmemset_emu_badblock_add(file, 8192, 4096));
	UT_OK(pmemset_emu_badblock_add(file, 512, 512));
	UT_OK(pmemset_emu_badblock_add(file, FILE_SIZE - 100, 1000));
	UT_OK(pmemset_emu_badblock_add(file, FILE_SIZE + 4096, 4096));
	UT_OK(device_bb_ctx_new(f.dev, &ctx));
	expect_bb(ctx, 512, 512);
	expect_bb(ctx, 8192, 4096);
	expect_bb(ctx, FILE_SIZE - 100, 100);
	UT_ASSERTeq(device_bb_next(ctx, &bb), PMEM2_E_NO_BAD_BLOCK_FOUND);

	/* mcsafe I/O touching a bad block fails and moves nothing */
	char buf[4096];
	memset(buf, 'W', sizeof(buf));
	UT_ASSERTeq(device_pread_mcsafe(f.dev, buf, 2, 1023), PMEM2_E_IO_FAIL);
	UT_ASSERT(strstr(device_errormsg(), "bad block") != NULL);
	UT_ASSERTeq(device_pwrite_mcsafe(f.dev, buf, 4096, 4096 + 1),
		    PMEM2_E_IO_FAIL);
	char head[512];
	UT_OK(device_pread_mcsafe(f.dev, head, 512, 0)); /* just before */
	UT_ASSERTeq(head[511], 'd');
	UT_OK(device_pwrite_mcsafe(f.dev, buf, 4096, 1024)); /* just after */
	char disk[FILE_SIZE];
	ut_file_read(file, disk, sizeof(disk), 0);
	UT_ASSERTeq(disk[8192], 'd');
	UT_ASSERTeq(disk[1024], 'W');

	/* clearing zeroes the data on disk and forgets the block */
	bb.offset = 8192;
	bb.length = 4096;
	UT_OK(device_bb_clear(ctx, &bb));
	bb.offset = FILE_SIZE - 100;
	bb.length = 100;
	UT_OK(device_bb_clear(ctx, &bb));
	device_bb_ctx_delete(&ctx);
	ut_file_read(file, disk, sizeof(disk), 0);
	for (size_t i = 8192; i < 12288; i++)
		UT_ASSERTeq(disk[i], 0);
	for (size_t i = FILE_SIZE - 100; i < FILE_SIZE; i++)
		UT_ASSERTeq(disk[i], 0);
	UT_ASSERTeq(disk[8191], 'd');
	UT_ASSERTeq(disk[12288], 'd');
	UT_ASSERTeq(disk[FILE_SIZE - 101], 'd');
	UT_ASSERTeq(ut_file_size(file), FILE_SIZE); /* never extends */
	UT_OK(device_pread_mcsafe(f.dev, buf, 4096, 8192));
	UT_OK(device_bb_ctx_new(f.dev, &ctx));
	expect_bb(ctx, 512, 512);
	UT_ASSERTeq(device_bb_next(ctx, &bb), PMEM2_E_NO_BAD_BLOCK_FOUND);

	/* libpmem2's limits on what may be cleared */
	bb.offset = (size_t)INT64_MAX + 1;
	bb.length = 1;
	UT_ASSERTeq(device_bb_clear(ctx, &bb), PMEM2_E_OFFSET_OUT_OF_RANGE);
	bb.offset = 0;
	bb.length = (size_t)INT64_MAX + 1;
	UT_ASSERTeq(device_bb_clear(ctx, &bb), PMEM2_E_LENGTH_OUT_OF_RANGE);
	device_bb_ctx_delete(&ctx);

	/* the description kept the one left and what lies past the end:
	 * the rest of the block cut at the end, and the one beyond it */
	struct pmemset_emu_state *st;
	UT_OK(pmemset_emu_state_read(&st));
	UT_ASSERTeq(pmemset_emu_state_badblock_count(st), 3);
	struct pmemset_emu_badblock eb;
	UT_OK(pmemset_emu_state_badblock(st, 1, &eb));
	UT_ASSERTeq(eb.offset, FILE_SIZE);
	UT_ASSERTeq(eb.length, 900);
	pmemset_emu_state_delete(&st);
	UT_OK(pmemset_emu_badblock_remove(file, 0, (size_t)INT64_MAX));
	detach(&f);
}

/* a description broken after selection makes attach fail, with the line */
static void
broken_description(void)
{
	char sel[4096];
	UT_OK(pmemset_emu_selected(sel, sizeof(sel)));
	const char *broken = ut_path("broken.emu");
	FILE *fp = fopen(broken, "w");
	UT_ASSERT(fp != NULL);
	fprintf(fp, "device ok path=/x\n");
	fclose(fp);
	UT_OK(pmemset_emu_select(broken));
	fp = fopen(broken, "a");
	fprintf(fp, "device ok path=/y\n");
	fclose(fp);

	int fd = open(file, O_RDWR);
	struct pmem2_source *p2src;
	UT_OK(pmem2_source_from_fd(&p2src, fd));
	struct device *dev = (void *)1;
	UT_ASSERTeq(device_attach(&dev, p2src, fd, file), -EINVAL);
	UT_ASSERT(dev == NULL);
	UT_ASSERT(strstr(device_errormsg(), "line 2: device id 'ok'") != NULL);
	pmem2_source_delete(&p2src);
	close(fd);
	UT_OK(pmemset_emu_select(sel));
}

int
main(void)
{
	unsetenv("PMEMSET_EMULATE");
	setup();
	UT_RUN(usc_and_id);
	UT_RUN(claims);
	UT_RUN(badblocks);
	UT_RUN(broken_description);
	unlink(file);
	rmdir(dir);
	return 0;
}
