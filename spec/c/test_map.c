/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_map.c -- pmemset_map: whole sources, ranges, file growth, every
 * error reachable on a regular file, and failures that change nothing
 * (contract §2.6 pmemset_map, §3.0, §3.7).
 */

#include "ut_core.h"

/* a file whose byte at offset i is (char)(i / 4096) */
static const char *
page_numbered_file(const char *name, size_t size)
{
	const char *path = ut_path(name);
	ut_file(path, 0, 0);
	int fd = open(path, O_RDWR);
	UT_ASSERT(fd >= 0);
	char page[4096];
	for (size_t off = 0; off < size; off += sizeof(page)) {
		memset(page, (int)(char)(off / 4096), sizeof(page));
		UT_ASSERTeq(pwrite(fd, page, sizeof(page), (off_t)off),
			    sizeof(page));
	}
	close(fd);
	return path;
}

static void
whole_source(void)
{
	const char *path = page_numbered_file("whole", 256 * KiB);
	struct pmemset_source *src;
	UT_OK(pmemset_source_from_file(&src, path));
	struct pmemset *set = ut_set(NULL, NULL, NULL);
	struct pmemset_part_descriptor d = { NULL, 0 };
	UT_OK(pmemset_map(set, src, NULL, &d));
	UT_ASSERT(d.addr != NULL);
	UT_ASSERTeq(d.size, 256 * KiB);
	for (size_t off = 0; off < 256 * KiB; off += 4096)
		UT_ASSERTeq(((char *)d.addr)[off], (char)(off / 4096));
	/* desc is optional */
	UT_OK(pmemset_map(set, src, NULL, NULL));
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
	unlink(path);
}

static void
offset_and_length(void)
{
	const char *path = page_numbered_file("range", 256 * KiB);
	struct pmemset_source *src;
	UT_OK(pmemset_source_from_file(&src, path));
	struct pmemset *set = ut_set(NULL, NULL, NULL);
	struct pmemset_part_descriptor d;

	UT_OK(ut_map_range(set, src, 64 * KiB, 32 * KiB, &d));
	UT_ASSERTeq(d.size, 32 * KiB);
	UT_ASSERTeq(((char *)d.addr)[0], 16);
	UT_ASSERTeq(((char *)d.addr)[32 * KiB - 1], 23);

	/* length 0 with an offset: size bytes from the offset, file grows */
	UT_OK(ut_map_range(set, src, 128 * KiB, 0, &d));
	UT_ASSERTeq(d.size, 256 * KiB);
	UT_ASSERTeq(ut_file_size(path), 384 * KiB);
	UT_ASSERTeq(((char *)d.addr)[0], 32);
	UT_ASSERTeq(((char *)d.addr)[256 * KiB - 1], 0); /* new, zeroed */
	UT_ASSERTeq(((char *)d.addr)[128 * KiB - 1], 63);

	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
	unlink(path);
}

/* growth: to exactly offset + length, never shrinking */
static void
growth(void)
{
	const char *path = ut_path("grow");
	ut_file(path, 0, 0);
	struct pmemset_source *src;
	UT_OK(pmemset_source_from_file(&src, path));
	struct pmemset *set = ut_set(NULL, NULL, NULL);

	UT_ASSERT(ut_map(set, src, 0, 64 * KiB) != NULL);
	UT_ASSERTeq(ut_file_size(path), 64 * KiB);
	UT_ASSERT(ut_map(set, src, 0, 128 * KiB) != NULL);
	UT_ASSERTeq(ut_file_size(path), 128 * KiB);
	char *a = ut_map(set, src, 1 * MiB, 8 * KiB);
	UT_ASSERTeq(ut_file_size(path), 1 * MiB + 8 * KiB);
	UT_ASSERT(ut_map(set, src, 0, 4 * KiB) != NULL);
	UT_ASSERTeq(ut_file_size(path), 1 * MiB + 8 * KiB);

	/* growth is sparse and the new range maps as zeros */
	struct stat st;
	UT_ASSERTeq(stat(path, &st), 0);
	UT_ASSERT((size_t)st.st_blocks * 512 < 1 * MiB);
	UT_ASSERTeq(a[0], 0);
	a[0] = 'g';
	UT_OK(pmemset_delete(&set));
	char c;
	ut_file_read(path, &c, 1, 1 * MiB);
	UT_ASSERTeq(c, 'g');

	/* xsource without DO_NOT_GROW grows as well */
	struct pmemset_source *x;
	UT_OK(pmemset_xsource_from_file(&x, path,
					PMEMSET_SOURCE_FILE_CREATE_ALWAYS));
	set = ut_set(NULL, NULL, NULL);
	UT_ASSERT(ut_map(set, x, 0, 64 * KiB) != NULL);
	UT_ASSERTeq(ut_file_size(path), 64 * KiB);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&x));
	UT_OK(pmemset_source_delete(&src));
	unlink(path);
}

static void
length_errors(void)
{
	struct pmemset *set = ut_set(NULL, NULL, NULL);

	/* an empty file mapped whole: no length */
	struct pmemset_source *empty = ut_source("empty", 0, 0);
	UT_ERR(pmemset_map(set, empty, NULL, NULL), PMEMSET_E_MAP_LENGTH_UNSET);
	UT_ERR(ut_map_range(set, empty, 64 * KiB, 0, NULL),
	       PMEMSET_E_MAP_LENGTH_UNSET);
	UT_OK(pmemset_source_delete(&empty));

	/* a 16 MiB - 1 file mapped whole */
	struct pmemset_source *odd = ut_source("odd", 16 * MiB - 1, 'o');
	UT_ERR(pmemset_map(set, odd, NULL, NULL), PMEMSET_E_LENGTH_UNALIGNED);
	UT_ERR(ut_map_range(set, odd, 0, 4097, NULL),
	       PMEMSET_E_LENGTH_UNALIGNED);
	UT_ERR(ut_map_range(set, odd, 0, 1, NULL), PMEMSET_E_LENGTH_UNALIGNED);
	UT_OK(pmemset_source_delete(&odd));

	/* an unaligned offset: libpmem2 refuses the mapping */
	struct pmemset_source *src = ut_source("unaligned", 64 * KiB, 'u');
	UT_ERR(ut_map_range(set, src, 100, 4096, NULL),
	       PMEMSET_E_INVALID_PMEM2_MAP);
	UT_OK(pmemset_source_delete(&src));

	/* no source */
	UT_ERR(pmemset_map(set, NULL, NULL, NULL),
	       PMEMSET_E_INVALID_SOURCE_TYPE);

	struct pmemset_part_map *p;
	pmemset_first_part_map(set, &p);
	UT_ASSERT(p == NULL);
	UT_OK(pmemset_delete(&set));
}

static void
do_not_grow(void)
{
	const char *path = ut_path("nogrow");
	ut_file(path, 0, 0);
	struct pmemset_source *src;
	UT_OK(pmemset_xsource_from_file(&src, path,
					PMEMSET_SOURCE_FILE_DO_NOT_GROW));
	struct pmemset *set = ut_set(NULL, NULL, NULL);
	UT_ERR(ut_map_range(set, src, 0, 64 * KiB, NULL),
	       PMEMSET_E_SOURCE_FILE_IS_TOO_SMALL);
	UT_ASSERTeq(ut_file_size(path), 0);
	UT_OK(pmemset_source_delete(&src));

	ut_file(path, 64 * KiB, 'n');
	UT_OK(pmemset_xsource_from_file(
		&src, path,
		PMEMSET_SOURCE_FILE_DO_NOT_GROW |
			PMEMSET_SOURCE_FILE_CREATE_IF_NEEDED));
	UT_ASSERT(ut_map(set, src, 0, 64 * KiB) != NULL);
	UT_ASSERT(ut_map(set, src, 32 * KiB, 32 * KiB) != NULL);
	UT_ERR(ut_map_range(set, src, 32 * KiB, 64 * KiB, NULL),
	       PMEMSET_E_SOURCE_FILE_IS_TOO_SMALL);
	UT_ERR(ut_map_range(set, src, 64 * KiB, 0, NULL),
	       PMEMSET_E_SOURCE_FILE_IS_TOO_SMALL);
	UT_ASSERTeq(ut_file_size(path), 64 * KiB);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
	unlink(path);
}

static void
cannot_grow(void)
{
	size_t pg = ut_pagesize();
	struct pmemset_source *src;
	UT_OK(pmemset_source_from_temporary(&src, ut_dir()));
	struct pmemset *set = ut_set(NULL, NULL, NULL);
	UT_ERR(ut_map_range(set, src, 0, SIZE_MAX - pg + 1, NULL),
	       PMEMSET_E_CANNOT_GROW_SOURCE_FILE);
	UT_ERR(ut_map_range(set, src, 0, SIZE_MAX, NULL),
	       PMEMSET_E_CANNOT_GROW_SOURCE_FILE);
	/* above INT64_MAX */
	UT_ERR(ut_map_range(set, src, 0, (size_t)INT64_MAX + 1, NULL),
	       PMEMSET_E_CANNOT_GROW_SOURCE_FILE);
	/* offset + length overflows */
	UT_ERR(ut_map_range(set, src, (size_t)INT64_MAX - pg + 1,
			    SIZE_MAX - pg + 1, NULL),
	       PMEMSET_E_CANNOT_GROW_SOURCE_FILE);
	/* nothing grew: the source is still empty */
	UT_ERR(pmemset_map(set, src, NULL, NULL), PMEMSET_E_MAP_LENGTH_UNSET);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
}

static void
byte_granularity_on_file(void)
{
	struct pmemset_config *cfg;
	UT_OK(pmemset_config_new(&cfg));
	UT_OK(pmemset_config_set_required_store_granularity(
		cfg, PMEM2_GRANULARITY_BYTE));
	struct pmemset *set;
	UT_OK(pmemset_new(&set, cfg));
	UT_OK(pmemset_config_delete(&cfg));
	struct pmemset_source *src = ut_source("bytegran", 64 * KiB, 'b');
	size_t before = ut_maps_ours();
	UT_ERR(pmemset_map(set, src, NULL, NULL), PMEMSET_E_INVALID_PMEM2_MAP);
	UT_ASSERTeq(ut_maps_ours(), before);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
}

/* data written through a mapping is in the file after pmemset_delete */
static void
data_reaches_file(void)
{
	const char *path = ut_path("data");
	ut_file(path, 128 * KiB, 0);
	struct pmemset_source *src;
	UT_OK(pmemset_source_from_file(&src, path));
	struct pmemset *set = ut_set(NULL, NULL, NULL);
	char *a = ut_map(set, src, 0, 64 * KiB);
	char *b = ut_map(set, src, 64 * KiB, 64 * KiB);
	for (size_t i = 0; i < 64 * KiB; i++) {
		a[i] = (char)(i * 7);
		b[i] = (char)(i * 13);
	}
	pmemset_memcpy(set, a + 10, "hello", 5, 0);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));

	static char buf[128 * KiB];
	ut_file_read(path, buf, sizeof(buf), 0);
	for (size_t i = 0; i < 64 * KiB; i++) {
		if (i >= 10 && i < 15)
			continue;
		UT_ASSERTeq(buf[i], (char)(i * 7));
		UT_ASSERTeq(buf[64 * KiB + i], (char)(i * 13));
	}
	UT_ASSERT(memcmp(buf + 10, "hello", 5) == 0);
	unlink(path);
}

static int
record_count(struct pmemset *set, struct pmemset_event_context *ctx, void *arg)
{
	(void)set;
	(void)ctx;
	++*(int *)arg;
	return 0;
}

/* every failing pmemset_map leaves the set exactly as it was */
static void
failure_changes_nothing(void)
{
	int events = 0;
	struct pmemset *set = ut_set(record_count, &events, NULL);
	struct pmemset_source *src = ut_source("fail", 128 * KiB, 'f');
	ut_map(set, src, 0, 64 * KiB);
	ut_map(set, src, 64 * KiB, 64 * KiB);
	UT_ASSERTeq(events, 2);

	struct pmemset_source *odd = ut_source("failodd", 64 * KiB - 1, 'o');
	struct pmemset_source *tmp;
	UT_OK(pmemset_source_from_temporary(&tmp, ut_dir()));
	struct pmemset_source *ng;
	const char *ngpath = ut_path("failng");
	ut_file(ngpath, 4096, 'n');
	UT_OK(pmemset_xsource_from_file(&ng, ngpath,
					PMEMSET_SOURCE_FILE_DO_NOT_GROW));

	struct ut_snap before, after;
	ut_snap(set, &before);
	size_t lines = ut_maps_ours();
	enum pmem2_granularity g;
	UT_OK(pmemset_get_store_granularity(set, &g));

	UT_ERR(pmemset_map(set, NULL, NULL, NULL),
	       PMEMSET_E_INVALID_SOURCE_TYPE);
	UT_ERR(pmemset_map(set, odd, NULL, NULL), PMEMSET_E_LENGTH_UNALIGNED);
	UT_ERR(pmemset_map(set, tmp, NULL, NULL), PMEMSET_E_MAP_LENGTH_UNSET);
	UT_ERR(ut_map_range(set, tmp, 0, SIZE_MAX, NULL),
	       PMEMSET_E_CANNOT_GROW_SOURCE_FILE);
	UT_ERR(ut_map_range(set, ng, 0, 8192, NULL),
	       PMEMSET_E_SOURCE_FILE_IS_TOO_SMALL);
	UT_ERR(ut_map_range(set, src, 100, 4096, NULL),
	       PMEMSET_E_INVALID_PMEM2_MAP);

	ut_snap(set, &after);
	ut_snap_eq(&before, &after);
	UT_ASSERTeq(ut_maps_ours(), lines);
	UT_ASSERTeq(events, 2);
	enum pmem2_granularity g2 = (enum pmem2_granularity) - 1;
	UT_OK(pmemset_get_store_granularity(set, &g2));
	UT_ASSERTeq(g2, g);

	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
	UT_OK(pmemset_source_delete(&odd));
	UT_OK(pmemset_source_delete(&tmp));
	UT_OK(pmemset_source_delete(&ng));
	unlink(ngpath);
}

int
main(void)
{
	UT_RUN(whole_source);
	UT_RUN(offset_and_length);
	UT_RUN(growth);
	UT_RUN(length_errors);
	UT_RUN(do_not_grow);
	UT_RUN(cannot_grow);
	UT_RUN(byte_granularity_on_file);
	UT_RUN(data_reaches_file);
	UT_RUN(failure_changes_nothing);
	return 0;
}
