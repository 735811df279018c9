/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_mcsafe.c -- pmemset_source_pread_mcsafe and
 * pmemset_source_pwrite_mcsafe (contract §3.12, §3.8): transfers inside
 * the source, past its end, of size 0, at offsets beyond the end and
 * wrapping around, on file, temporary and pmem2 sources; writes never
 * extend the file and no transfer fires an event.
 */

#include <libpmem2.h>
#include <stdint.h>

#include "ut.h"

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)

#define FILE_FILL 0x5a

static void
fill_pattern(unsigned char *buf, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(seed * 13 + i * 5 + (i >> 9));
}

/* assert_file_is -- path has exactly size bytes equal to expect */
static void
assert_file_is(const char *path, const unsigned char *expect, size_t size)
{
	UT_ASSERTeq(ut_file_size(path), size);
	unsigned char *got = malloc(size);
	UT_ASSERTne(got, NULL);
	ut_file_read(path, got, size, 0);
	for (size_t i = 0; i < size; i++) {
		if (got[i] != expect[i])
			UT_FAIL("byte %zu is 0x%02x, expected 0x%02x", i,
				got[i], expect[i]);
	}
	free(got);
}

static void
test_within_bounds(void)
{
	const size_t size = 64 * KiB;
	const char *path = ut_path("inside");
	ut_file(path, size, FILE_FILL);
	unsigned char *shadow = malloc(size);
	unsigned char *buf = malloc(size);
	UT_ASSERTne(shadow, NULL);
	UT_ASSERTne(buf, NULL);
	memset(shadow, FILE_FILL, size);

	struct pmemset_source *src;
	UT_OK(pmemset_source_from_file(&src, path));

	/* writes at the start, in the middle, ending exactly at the end */
	static const size_t at[][2] = {
		{ 0, 100 },
		{ 4095, 2 },
		{ 1000, 20000 },
		{ 65536 - 77, 77 },
	};
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		fill_pattern(buf, at[i][1], (unsigned)i);
		UT_OK(pmemset_source_pwrite_mcsafe(src, buf, at[i][1],
						   at[i][0]));
		memcpy(shadow + at[i][0], buf, at[i][1]);
	}
	assert_file_is(path, shadow, size);

	/* reads give back the file, in pieces and whole */
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		memset(buf, 0, size);
		UT_OK(pmemset_source_pread_mcsafe(src, buf, at[i][1],
						  at[i][0]));
		UT_ASSERTeq(memcmp(buf, shadow + at[i][0], at[i][1]), 0);
	}
	memset(buf, 0, size);
	UT_OK(pmemset_source_pread_mcsafe(src, buf, size, 0));
	UT_ASSERTeq(memcmp(buf, shadow, size), 0);

	/* a write changed by someone else is seen by the next read */
	int fd = open(path, O_RDWR);
	UT_ASSERT(fd >= 0);
	UT_ASSERTeq(pwrite(fd, "xyz", 3, 500), 3);
	close(fd);
	UT_OK(pmemset_source_pread_mcsafe(src, buf, 3, 500));
	UT_ASSERTeq(memcmp(buf, "xyz", 3), 0);
	memcpy(shadow + 500, "xyz", 3);

	UT_OK(pmemset_source_delete(&src));
	assert_file_is(path, shadow, size);
	free(buf);
	free(shadow);
	unlink(path);
}

/* a transfer of several MiB is completed, not cut short */
static void
test_large_transfer(void)
{
	const size_t size = 8 * MiB + 4 * KiB;
	const char *path = ut_path("large");
	ut_file(path, size, 0);
	unsigned char *a = malloc(size);
	unsigned char *b = malloc(size);
	UT_ASSERTne(a, NULL);
	UT_ASSERTne(b, NULL);
	fill_pattern(a, size, 77);

	struct pmemset_source *src;
	UT_OK(pmemset_source_from_file(&src, path));
	UT_OK(pmemset_source_pwrite_mcsafe(src, a + 1, size - 1, 1));
	UT_OK(pmemset_source_pread_mcsafe(src, b, size - 1, 1));
	UT_ASSERTeq(memcmp(a + 1, b, size - 1), 0);
	UT_OK(pmemset_source_delete(&src));

	a[0] = 0;
	assert_file_is(path, a, size);
	free(a);
	free(b);
	unlink(path);
}

/*
 * assert_refused -- every read and write of (size, offset) fails with
 * LENGTH_OUT_OF_RANGE and leaves the buffer, the file and its size alone
 */
static void
assert_refused(struct pmemset_source *src, const char *path, size_t fsize,
	       size_t size, size_t offset)
{
	/* big enough for any sane size, so a wrong transfer shows as data */
	size_t blen = size <= MiB ? size + 256 : 256;
	unsigned char *buf = malloc(blen);
	unsigned char *before = malloc(blen);
	UT_ASSERTne(buf, NULL);
	UT_ASSERTne(before, NULL);
	memset(buf, 0xc3, blen);
	memcpy(before, buf, blen);

	UT_ERR(pmemset_source_pread_mcsafe(src, buf, size, offset),
	       PMEMSET_E_LENGTH_OUT_OF_RANGE);
	UT_ASSERTeq(memcmp(buf, before, blen), 0);
	UT_ERR(pmemset_source_pwrite_mcsafe(src, buf, size, offset),
	       PMEMSET_E_LENGTH_OUT_OF_RANGE);
	if (path)
		UT_ASSERTeq(ut_file_size(path), fsize);
	free(buf);
	free(before);
}

static void
test_out_of_range(void)
{
	const size_t size = 16 * KiB;
	const char *path = ut_path("outside");
	ut_file(path, size, FILE_FILL);
	unsigned char *shadow = malloc(size);
	UT_ASSERTne(shadow, NULL);
	memset(shadow, FILE_FILL, size);

	struct pmemset_source *src;
	UT_OK(pmemset_source_from_file(&src, path));

	assert_refused(src, path, size, 1, size);	   /* just past */
	assert_refused(src, path, size, 20, size - 10);	   /* straddles end */
	assert_refused(src, path, size, size + 1, 0);	   /* one too many */
	assert_refused(src, path, size, 100, size + 4096); /* beyond */
	assert_refused(src, path, size, 1, SIZE_MAX);
	/* offset + size wraps around to a small number */
	assert_refused(src, path, size, SIZE_MAX - size + 2, size);
	assert_refused(src, path, size, 2, SIZE_MAX);
	assert_refused(src, path, size, SIZE_MAX, 1);
	assert_refused(src, path, size, SIZE_MAX, 0);
	assert_refused(src, path, size, 1, (size_t)INT64_MAX + 1);

	/* nothing of a straddling write reached the file */
	UT_OK(pmemset_source_delete(&src));
	assert_file_is(path, shadow, size);
	free(shadow);
	unlink(path);
}

/* size 0 succeeds and transfers nothing */
static void
test_size_zero(void)
{
	const size_t size = 8 * KiB;
	const char *path = ut_path("zero");
	ut_file(path, size, FILE_FILL);
	struct pmemset_source *src;
	UT_OK(pmemset_source_from_file(&src, path));
	unsigned char buf[16];
	memset(buf, 0xc3, sizeof(buf));

	UT_OK(pmemset_source_pread_mcsafe(src, buf, 0, 0));
	UT_OK(pmemset_source_pread_mcsafe(src, buf, 0, 100));
	UT_OK(pmemset_source_pread_mcsafe(src, buf, 0, size));
	UT_OK(pmemset_source_pwrite_mcsafe(src, buf, 0, 0));
	UT_OK(pmemset_source_pwrite_mcsafe(src, buf, 0, size));
	for (size_t i = 0; i < sizeof(buf); i++)
		UT_ASSERTeq(buf[i], 0xc3);

	/* an empty transfer succeeds wherever it points (§3.12) */
	UT_OK(pmemset_source_pread_mcsafe(src, buf, 0, size + 1));
	UT_OK(pmemset_source_pwrite_mcsafe(src, buf, 0, SIZE_MAX));
	UT_ASSERTeq(ut_file_size(path), size);

	UT_OK(pmemset_source_delete(&src));
	unsigned char *expect = malloc(size);
	UT_ASSERTne(expect, NULL);
	memset(expect, FILE_FILL, size);
	assert_file_is(path, expect, size);
	free(expect);
	unlink(path);
}

/*
 * A temporary source has size 0 until it is mapped; mapping grows it and
 * then mcsafe I/O and the mapping see each other's data.
 */
static void
test_temporary_source(void)
{
	struct pmemset_source *src;
	UT_OK(pmemset_source_from_temporary(&src, ut_dir()));
	unsigned char buf[64];
	memset(buf, 0x21, sizeof(buf));

	UT_OK(pmemset_source_pread_mcsafe(src, buf, 0, 0));
	UT_OK(pmemset_source_pwrite_mcsafe(src, buf, 0, 0));
	assert_refused(src, NULL, 0, 1, 0);
	assert_refused(src, NULL, 0, sizeof(buf), 0);
	assert_refused(src, NULL, 0, 1, 4096);
	UT_OK(pmemset_source_pread_mcsafe(src, buf, 0, 1));

	struct pmemset_config *cfg;
	struct pmemset *set;
	struct pmemset_map_config *mcfg;
	struct pmemset_part_descriptor desc;
	UT_OK(pmemset_config_new(&cfg));
	UT_OK(pmemset_config_set_required_store_granularity(
		cfg, PMEM2_GRANULARITY_PAGE));
	UT_OK(pmemset_new(&set, cfg));
	UT_OK(pmemset_map_config_new(&mcfg));
	pmemset_map_config_set_length(mcfg, 64 * KiB);
	UT_OK(pmemset_map(set, src, mcfg, &desc));
	unsigned char *base = desc.addr;

	/* the grown file reads as zeros, through both paths */
	UT_OK(pmemset_source_pread_mcsafe(src, buf, sizeof(buf),
					  64 * KiB - sizeof(buf)));
	for (size_t i = 0; i < sizeof(buf); i++)
		UT_ASSERTeq(buf[i], 0);

	/* mcsafe write -> visible in the mapping */
	fill_pattern(buf, sizeof(buf), 1);
	UT_OK(pmemset_source_pwrite_mcsafe(src, buf, sizeof(buf), 4000));
	UT_ASSERTeq(memcmp(base + 4000, buf, sizeof(buf)), 0);

	/* store through the mapping -> visible to mcsafe read */
	fill_pattern(base + 9000, 100, 2);
	UT_OK(pmemset_persist(set, base + 9000, 100));
	unsigned char got[100];
	UT_OK(pmemset_source_pread_mcsafe(src, got, sizeof(got), 9000));
	UT_ASSERTeq(memcmp(got, base + 9000, sizeof(got)), 0);

	/* the end is the mapped length now; writes still do not extend */
	assert_refused(src, NULL, 0, 1, 64 * KiB);
	assert_refused(src, NULL, 0, 2, 64 * KiB - 1);

	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_map_config_delete(&mcfg));
	UT_OK(pmemset_config_delete(&cfg));
	UT_OK(pmemset_source_delete(&src));
}

/* a source made by xsource_from_file with CREATE_ALWAYS starts empty */
static void
test_created_file(void)
{
	const char *path = ut_path("created");
	ut_file(path, 4096, FILE_FILL);
	struct pmemset_source *src;
	UT_OK(pmemset_xsource_from_file(&src, path,
					PMEMSET_SOURCE_FILE_CREATE_ALWAYS));
	UT_ASSERTeq(ut_file_size(path), 0);
	assert_refused(src, path, 0, 1, 0);
	assert_refused(src, path, 0, 4096, 0);
	char one;
	UT_OK(pmemset_source_pread_mcsafe(src, &one, 0, 0));
	UT_OK(pmemset_source_delete(&src));
	UT_ASSERTeq(ut_file_size(path), 0);
	unlink(path);
}

/* a caller's pmem2 source: the same transfers through its descriptor */
static void
test_pmem2_source(void)
{
	const size_t size = 32 * KiB;
	const char *path = ut_path("pmem2");
	ut_file(path, size, FILE_FILL);
	int fd = open(path, O_RDWR);
	UT_ASSERT(fd >= 0);
	struct pmem2_source *p2;
	UT_ASSERTeq(pmem2_source_from_fd(&p2, fd), 0);
	struct pmemset_source *src;
	UT_OK(pmemset_source_from_pmem2(&src, p2));

	unsigned char buf[3000], got[3000];
	fill_pattern(buf, sizeof(buf), 9);
	UT_OK(pmemset_source_pwrite_mcsafe(src, buf, sizeof(buf), 12345));
	UT_OK(pmemset_source_pread_mcsafe(src, got, sizeof(got), 12345));
	UT_ASSERTeq(memcmp(buf, got, sizeof(buf)), 0);
	assert_refused(src, path, size, 3000, size - 2999);

	UT_OK(pmemset_source_delete(&src));
	/* the caller's descriptor stays open and usable */
	memset(got, 0, sizeof(got));
	UT_ASSERTeq(pread(fd, got, sizeof(got), 12345), (ssize_t)sizeof(got));
	UT_ASSERTeq(memcmp(buf, got, sizeof(buf)), 0);
	UT_ASSERTeq(pmem2_source_delete(&p2), 0);
	close(fd);
	unlink(path);
}

/* recorder -- counts every event of the set */
static int
count_event(struct pmemset *set, struct pmemset_event_context *ctx, void *arg)
{
	(void)set;
	(void)ctx;
	++*(int *)arg;
	return 0;
}

/* mcsafe I/O on a mapped source fires nothing on the set */
static void
test_no_events(void)
{
	const size_t size = 16 * KiB;
	const char *path = ut_path("events");
	ut_file(path, size, FILE_FILL);
	int events = 0;
	struct pmemset_config *cfg;
	struct pmemset *set;
	struct pmemset_source *src;
	UT_OK(pmemset_config_new(&cfg));
	UT_OK(pmemset_config_set_required_store_granularity(
		cfg, PMEM2_GRANULARITY_PAGE));
	pmemset_config_set_event_callback(cfg, count_event, &events);
	UT_OK(pmemset_new(&set, cfg));
	UT_OK(pmemset_source_from_file(&src, path));
	UT_OK(pmemset_map(set, src, NULL, NULL));
	events = 0;

	unsigned char buf[100];
	memset(buf, 0x31, sizeof(buf));
	UT_OK(pmemset_source_pwrite_mcsafe(src, buf, sizeof(buf), 10));
	UT_OK(pmemset_source_pread_mcsafe(src, buf, sizeof(buf), 10));
	UT_ERR(pmemset_source_pread_mcsafe(src, buf, sizeof(buf), size),
	       PMEMSET_E_LENGTH_OUT_OF_RANGE);
	UT_ASSERTeq(events, 0);

	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
	UT_OK(pmemset_config_delete(&cfg));
	unlink(path);
}

int
main(void)
{
	UT_RUN(test_within_bounds);
	UT_RUN(test_large_transfer);
	UT_RUN(test_out_of_range);
	UT_RUN(test_size_zero);
	UT_RUN(test_temporary_source);
	UT_RUN(test_created_file);
	UT_RUN(test_pmem2_source);
	UT_RUN(test_no_events);
	return 0;
}
