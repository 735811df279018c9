/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_badblock.c -- bad blocks (contract §3.11, §3.12) through the public
 * API on emulated devices: detection with 0, 1 and many blocks, cleared or
 * not in the callback, BADBLOCKS_CLEARED and its result, IO_FAIL, mcsafe
 * I/O over bad blocks, pmemset_badblock_clear zeroing data, and the real
 * backend on a regular file.
 */

#include <pmemset_emu.h>

#include <pmemset_ext.h>

#include "ut_core.h"

#define POOL_SIZE (64 * KiB)

static char dir[4096];
static char pool[4200];

struct seen {
	int n;
	enum pmemset_event type[64];
	struct pmemset_badblock bb[64];
	int clear;	   /* blocks the callback clears; -1: all */
	int cleared_ret;   /* what BADBLOCKS_CLEARED returns */
	int clear_results; /* sum of pmemset_badblock_clear results */
};

static int
on_event(struct pmemset *set, struct pmemset_event_context *ctx, void *arg)
{
	(void)set;
	struct seen *s = arg;
	UT_ASSERT(s->n < 64);
	s->type[s->n] = ctx->type;
	if (ctx->type == PMEMSET_EVENT_BADBLOCK) {
		s->bb[s->n] = *ctx->data.badblock.bb;
		if (s->clear != 0) {
			s->clear_results += pmemset_badblock_clear(
				ctx->data.badblock.bb, ctx->data.badblock.src);
			if (s->clear > 0)
				s->clear--;
		}
	}
	s->n++;
	if (ctx->type == PMEMSET_EVENT_BADBLOCKS_CLEARED)
		return s->cleared_ret;
	return 0;
}

static struct pmemset *
new_set(struct seen *s, int clear)
{
	memset(s, 0, sizeof(*s));
	s->clear = clear;
	return ut_set(on_event, s, NULL);
}

static struct pmemset_source *
detecting_source(void)
{
	struct pmemset_source *src;
	UT_OK(pmemset_source_from_file(&src, pool));
	pmemset_source_set_badblock_detection(src, true);
	return src;
}

static void
expect_bb(const struct seen *s, int i, size_t off, size_t len)
{
	UT_ASSERTeq(s->type[i], PMEMSET_EVENT_BADBLOCK);
	UT_ASSERTeq(s->bb[i].offset, off);
	UT_ASSERTeq(s->bb[i].length, len);
}

static void
expect_bytes(size_t off, size_t len, int c)
{
	char buf[POOL_SIZE];
	ut_file_read(pool, buf, len, off);
	for (size_t i = 0; i < len; i++)
		if (buf[i] != (char)c)
			UT_FAIL("byte %zu is %d, not %d", off + i, buf[i], c);
}

static size_t
badblocks_left(void)
{
	struct pmemset_emu_state *st;
	UT_OK(pmemset_emu_state_read(&st));
	size_t n = pmemset_emu_state_badblock_count(st);
	pmemset_emu_state_delete(&st);
	return n;
}

/* no bad block: PART_ADD only */
static void
none(void)
{
	struct seen s;
	struct pmemset *set = new_set(&s, -1);
	struct pmemset_source *src = detecting_source();
	ut_map(set, src, 0, 0);
	UT_ASSERTeq(s.n, 1);
	UT_ASSERTeq(s.type[0], PMEMSET_EVENT_PART_ADD);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
}

/* one block, cleared in the callback: data zeroed, then CLEARED */
static void
one_cleared(void)
{
	ut_file(pool, POOL_SIZE, 'p');
	UT_OK(pmemset_emu_badblock_add(pool, 4096, 4096));
	struct seen s;
	struct pmemset *set = new_set(&s, -1);
	struct pmemset_source *src = detecting_source();
	char *addr = ut_map(set, src, 0, 0);
	UT_ASSERTeq(s.n, 3);
	expect_bb(&s, 0, 4096, 4096);
	UT_ASSERTeq(s.type[1], PMEMSET_EVENT_BADBLOCKS_CLEARED);
	UT_ASSERTeq(s.type[2], PMEMSET_EVENT_PART_ADD);
	UT_ASSERTeq(s.clear_results, 0);
	expect_bytes(4096, 4096, 0);
	expect_bytes(0, 4096, 'p');
	expect_bytes(8192, POOL_SIZE - 8192, 'p');
	UT_ASSERTeq(addr[4096], 0); /* the mapping sees it too */
	UT_ASSERTeq(addr[4095], 'p');
	UT_ASSERTeq(badblocks_left(), 0);

	/* every later map rescans: nothing left, no events but PART_ADD */
	ut_map(set, src, 0, 0);
	UT_ASSERTeq(s.n, 4);
	UT_ASSERTeq(s.type[3], PMEMSET_EVENT_PART_ADD);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
}

/* many blocks, reported in offset order, all cleared */
static void
many_cleared(void)
{
	ut_file(pool, POOL_SIZE, 'p');
	size_t off[] = { 40960, 512, 8192, 60000 };
	size_t len[] = { 100, 512, 4096, POOL_SIZE - 60000 };
	for (int i = 0; i < 4; i++)
		UT_OK(pmemset_emu_badblock_add(pool, off[i], len[i]));
	struct seen s;
	struct pmemset *set = new_set(&s, -1);
	struct pmemset_source *src = detecting_source();
	ut_map(set, src, 0, 0);
	UT_ASSERTeq(s.n, 6);
	expect_bb(&s, 0, 512, 512);
	expect_bb(&s, 1, 8192, 4096);
	expect_bb(&s, 2, 40960, 100);
	expect_bb(&s, 3, 60000, POOL_SIZE - 60000);
	UT_ASSERTeq(s.type[4], PMEMSET_EVENT_BADBLOCKS_CLEARED);
	UT_ASSERTeq(s.type[5], PMEMSET_EVENT_PART_ADD);
	for (int i = 0; i < 4; i++)
		expect_bytes(off[i], len[i], 0);
	expect_bytes(1024, 8192 - 1024, 'p');
	expect_bytes(40960 + 100, 60000 - 40960 - 100, 'p');
	UT_ASSERTeq(badblocks_left(), 0);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
}

/* blocks not cleared: IO_FAIL, nothing mapped, no CLEARED, data kept */
static void
not_cleared(void)
{
	ut_file(pool, POOL_SIZE, 'p');
	UT_OK(pmemset_emu_badblock_add(pool, 0, 4096));
	UT_OK(pmemset_emu_badblock_add(pool, 16384, 4096));
	struct seen s;
	struct pmemset *set = new_set(&s, 0);
	struct pmemset_source *src = detecting_source();
	UT_ERR(ut_map_range(set, src, 0, 0, NULL), PMEMSET_E_IO_FAIL);
	UT_ASSERTeq(s.n, 2);
	expect_bb(&s, 0, 0, 4096);
	expect_bb(&s, 1, 16384, 4096);
	struct pmemset_part_map *pm;
	pmemset_first_part_map(set, &pm);
	UT_ASSERT(pm == NULL);
	expect_bytes(0, POOL_SIZE, 'p');
	UT_ASSERTeq(badblocks_left(), 2);

	/* mcsafe I/O over a bad block fails, beside it works */
	char buf[4096];
	UT_ERR(pmemset_source_pread_mcsafe(src, buf, 10, 4090),
	       PMEMSET_E_IO_FAIL);
	memset(buf, 'w', sizeof(buf));
	UT_ERR(pmemset_source_pwrite_mcsafe(src, buf, 4096, 16384),
	       PMEMSET_E_IO_FAIL);
	expect_bytes(16384, 4096, 'p');
	UT_OK(pmemset_source_pread_mcsafe(src, buf, 4096, 4096));
	UT_ASSERTeq(buf[0], 'p');
	UT_OK(pmemset_source_pwrite_mcsafe(src, buf, 100, 8192));

	/* detection off: the same source maps despite its bad blocks */
	pmemset_source_set_badblock_detection(src, false);
	ut_map(set, src, 0, 0);
	UT_OK(pmemset_delete(&set));

	/* clearing outside a callback: one block, then the other */
	struct pmemset_badblock bb = { 0, 4096 };
	UT_OK(pmemset_badblock_clear(&bb, src));
	expect_bytes(0, 4096, 0);
	UT_ASSERTeq(badblocks_left(), 1);
	UT_OK(pmemset_source_pread_mcsafe(src, buf, 10, 4090));
	bb.offset = 16384;
	UT_OK(pmemset_badblock_clear(&bb, src));
	expect_bytes(16384, 4096, 0);
	UT_ASSERTeq(badblocks_left(), 0);

	bb.offset = (size_t)INT64_MAX + 1;
	UT_ERR(pmemset_badblock_clear(&bb, src), PMEMSET_E_OFFSET_OUT_OF_RANGE);
	bb.offset = 0;
	bb.length = (size_t)INT64_MAX + 1;
	UT_ERR(pmemset_badblock_clear(&bb, src), PMEMSET_E_LENGTH_OUT_OF_RANGE);
	UT_OK(pmemset_source_delete(&src));
}

/* some cleared, one left: IO_FAIL, no CLEARED */
static void
partly_cleared(void)
{
	ut_file(pool, POOL_SIZE, 'p');
	UT_OK(pmemset_emu_badblock_add(pool, 0, 4096));
	UT_OK(pmemset_emu_badblock_add(pool, 8192, 1));
	struct seen s;
	struct pmemset *set = new_set(&s, 1);
	struct pmemset_source *src = detecting_source();
	UT_ERR(ut_map_range(set, src, 0, 0, NULL), PMEMSET_E_IO_FAIL);
	UT_ASSERTeq(s.n, 2);
	expect_bb(&s, 0, 0, 4096);
	expect_bb(&s, 1, 8192, 1);
	UT_ASSERTeq(s.clear_results, 0);
	expect_bytes(0, 4096, 0);
	expect_bytes(8192, 1, 'p');
	UT_ASSERTeq(badblocks_left(), 1);

	/* the next map reports only the one left; cleared, it maps */
	s.n = 0;
	s.clear = -1;
	ut_map(set, src, 0, 0);
	UT_ASSERTeq(s.n, 3);
	expect_bb(&s, 0, 8192, 1);
	UT_ASSERTeq(s.type[1], PMEMSET_EVENT_BADBLOCKS_CLEARED);
	UT_ASSERTeq(s.type[2], PMEMSET_EVENT_PART_ADD);
	expect_bytes(8192, 1, 0);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
}

/* BADBLOCKS_CLEARED's non-zero result aborts the map with that value */
static void
cleared_result(void)
{
	ut_file(pool, POOL_SIZE, 'p');
	UT_OK(pmemset_emu_badblock_add(pool, 4096, 512));
	struct seen s;
	struct pmemset *set = new_set(&s, -1);
	s.cleared_ret = -ECANCELED;
	struct pmemset_source *src = detecting_source();
	UT_ERR(ut_map_range(set, src, 0, 0, NULL), -ECANCELED);
	UT_ASSERTeq(s.n, 2);
	UT_ASSERTeq(s.type[1], PMEMSET_EVENT_BADBLOCKS_CLEARED);
	struct pmemset_part_map *pm;
	pmemset_first_part_map(set, &pm);
	UT_ASSERT(pm == NULL);
	expect_bytes(4096, 512, 0); /* the clear itself happened */
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
}

/* a positive BADBLOCKS_CLEARED result still fails the map negatively */
static void
cleared_positive(void)
{
	ut_file(pool, POOL_SIZE, 'p');
	UT_OK(pmemset_emu_badblock_add(pool, 4096, 512));
	struct seen s;
	struct pmemset *set = new_set(&s, -1);
	s.cleared_ret = 7;
	struct pmemset_source *src = detecting_source();
	UT_ERR(ut_map_range(set, src, 0, 0, NULL), PMEMSET_E_IO_FAIL);
	UT_ASSERT(strstr(pmemset_errormsg(), "returned 7") != NULL);
	UT_ASSERTeq(pmemset_part_map_count(set), 0);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
}

/* the real backend on a regular file: no blocks, clear zeroes */
static void
real_file(void)
{
	const char *path = ut_path("plain.pool");
	ut_file(path, POOL_SIZE, 'r');
	struct pmemset_source *src;
	UT_OK(pmemset_source_from_file(&src, path));
	pmemset_source_set_badblock_detection(src, true);
	struct seen s;
	struct pmemset *set = new_set(&s, -1);
	ut_map(set, src, 0, 0);
	UT_ASSERTeq(s.n, 1);
	UT_ASSERTeq(s.type[0], PMEMSET_EVENT_PART_ADD);
	UT_OK(pmemset_delete(&set));
	struct pmemset_badblock bb = { 4096, 4096 };
	UT_OK(pmemset_badblock_clear(&bb, src));
	char buf[4096];
	ut_file_read(path, buf, sizeof(buf), 4096);
	for (size_t i = 0; i < sizeof(buf); i++)
		UT_ASSERTeq(buf[i], 0);
	UT_OK(pmemset_source_delete(&src));
	unlink(path);
}

int
main(void)
{
	unsetenv("PMEMSET_EMULATE");
	snprintf(dir, sizeof(dir), "%s", ut_path("bbdev"));
	UT_ASSERTeq(mkdir(dir, 0755), 0);
	snprintf(pool, sizeof(pool), "%s/pool", dir);
	ut_file(pool, POOL_SIZE, 'p');
	UT_OK(pmemset_emu_select(ut_path("bb.emu")));
	UT_OK(pmemset_emu_device_add("bb-dimm", 0, dir));

	UT_RUN(none);
	UT_RUN(one_cleared);
	UT_RUN(many_cleared);
	UT_RUN(not_cleared);
	UT_RUN(partly_cleared);
	UT_RUN(cleared_result);
	UT_RUN(cleared_positive);
	UT_RUN(real_file);

	UT_OK(pmemset_emu_device_remove("bb-dimm"));
	unlink(pool);
	rmdir(dir);
	return 0;
}
