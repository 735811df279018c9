/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_args.c -- NULL and out-of-range arguments to every public function:
 * an error code and a message, never a crash; void functions ignore them
 * (project standard "every public function checks its arguments").
 */

#include "ut_core.h"

/* the number of checks that failed; every one is printed */
static int Failures;

/*
 * UT_ERRANY -- a call that must fail with some negative code and leave a
 * message; a miss is counted, not fatal, so one run lists every function
 * that does not check its arguments
 */
#define UT_ERRANY(call)                                                        \
	do {                                                                   \
		reset_msg();                                                   \
		int ut_r_ = (call);                                            \
		if (ut_r_ >= 0 || strcmp(pmemset_errormsg(), Reset) == 0) {    \
			fprintf(stderr,                                        \
				"%s:%d: %s returned %d (errormsg: %s)\n",      \
				__FILE__, __LINE__, #call, ut_r_,              \
				pmemset_errormsg());                           \
			Failures++;                                            \
		}                                                              \
	} while (0)

static char Reset[512];

/* make the last message a known one, to see whether a call sets its own */
static void
reset_msg(void)
{
	struct pmemset_source *src;
	(void)pmemset_source_from_file(&src, NULL);
	snprintf(Reset, sizeof(Reset), "%s", pmemset_errormsg());
}

static void
config_functions(void)
{
	UT_ERRANY(pmemset_config_new(NULL));
	pmemset_config_set_reservation(NULL, NULL);
	UT_ERRANY(pmemset_config_set_acceptable_states(NULL,
						       PMEMSET_PART_STATE_OK));
	pmemset_config_set_event_callback(NULL, NULL, NULL);
	UT_ERRANY(pmemset_config_set_required_store_granularity(
		NULL, PMEM2_GRANULARITY_PAGE));
	UT_OK(pmemset_config_delete(NULL)); /* §2.6: delete never fails */
}

static void
set_functions(void)
{
	struct pmemset_config *cfg = ut_config(NULL, NULL, NULL);
	UT_ERRANY(pmemset_new(NULL, cfg));
	UT_OK(pmemset_config_delete(&cfg));
	UT_OK(pmemset_delete(NULL)); /* §2.6: delete never fails */

	struct pmemset *set = ut_set(NULL, NULL, NULL);
	enum pmem2_granularity g;
	UT_ERRANY(pmemset_get_store_granularity(NULL, &g));
	struct pmemset_source *src = ut_source("args", 64 * KiB, 'a');
	UT_OK(pmemset_map(set, src, NULL, NULL));
	UT_ERRANY(pmemset_get_store_granularity(set, NULL));
	UT_ERRANY(pmemset_set_contiguous_part_coalescing(
		NULL, PMEMSET_COALESCING_NONE));
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
}

static void
map_config_functions(void)
{
	UT_ERRANY(pmemset_map_config_new(NULL));
	UT_ERRANY(pmemset_map_config_set_offset(NULL, 0));
	pmemset_map_config_set_length(NULL, 4096);
	UT_OK(pmemset_map_config_delete(NULL)); /* §2.6: delete never fails */
}

static void
source_functions(void)
{
	const char *path = ut_path("argsrc");
	ut_file(path, 64 * KiB, 's');
	int fd = open(path, O_RDWR);
	struct pmem2_source *p2;
	UT_ASSERTeq(pmem2_source_from_fd(&p2, fd), 0);

	UT_ERRANY(pmemset_source_from_pmem2(NULL, p2));
	UT_ERRANY(pmemset_source_from_file(NULL, path));
	UT_ERRANY(pmemset_xsource_from_file(NULL, path, 0));
	UT_ERRANY(pmemset_source_from_temporary(NULL, ut_dir()));
	UT_OK(pmemset_source_delete(NULL)); /* §2.6: delete never fails */

	struct pmemset_source *src;
	UT_OK(pmemset_source_from_file(&src, path));
	struct pmemset_sds sds = PMEMSET_SDS_INITIALIZE();
	UT_ERRANY(pmemset_source_set_sds(NULL, &sds, NULL));
	UT_ERRANY(pmemset_source_set_sds(src, NULL, NULL));
	pmemset_source_set_badblock_detection(NULL, true);

	char buf[16];
	UT_ERRANY(pmemset_source_pread_mcsafe(NULL, buf, sizeof(buf), 0));
	UT_ERRANY(pmemset_source_pread_mcsafe(src, NULL, sizeof(buf), 0));
	UT_ERRANY(pmemset_source_pwrite_mcsafe(NULL, buf, sizeof(buf), 0));
	UT_ERRANY(pmemset_source_pwrite_mcsafe(src, NULL, sizeof(buf), 0));
	UT_ERRANY(pmemset_source_pread_mcsafe(src, buf, sizeof(buf),
					      SIZE_MAX - 4));
	UT_ERRANY(pmemset_source_pwrite_mcsafe(src, buf, SIZE_MAX, 16));

	size_t align;
	UT_ERRANY(pmemset_source_alignment(NULL, &align));
	UT_ERRANY(pmemset_source_alignment(src, NULL));

	struct pmemset_badblock bb = { 0, 4096 };
	UT_ERRANY(pmemset_badblock_clear(NULL, src));
	UT_ERRANY(pmemset_badblock_clear(&bb, NULL));
	bb.offset = SIZE_MAX - 10;
	UT_ERRANY(pmemset_badblock_clear(&bb, src));

	UT_OK(pmemset_source_delete(&src));
	pmem2_source_delete(&p2);
	close(fd);
	unlink(path);
}

static void
map_functions(void)
{
	struct pmemset *set = ut_set(NULL, NULL, NULL);
	struct pmemset_source *src = ut_source("argmap", 64 * KiB, 'm');
	struct pmemset_part_descriptor d;
	UT_ERRANY(pmemset_map(NULL, src, NULL, &d));
	UT_OK(pmemset_map(set, src, NULL, &d));

	reset_msg();
	struct pmemset_part_descriptor nd = pmemset_descriptor_part_map(NULL);
	UT_ASSERT(nd.addr == NULL);
	UT_ASSERTeq(nd.size, 0);

	struct pmemset_part_map *p = NULL, *n = NULL;
	UT_ERRANY(pmemset_part_map_by_address(NULL, &p, d.addr));
	UT_ASSERT(p == NULL);
	UT_ERRANY(pmemset_part_map_by_address(set, NULL, d.addr));

	pmemset_first_part_map(NULL, &p);
	UT_ASSERT(p == NULL);
	pmemset_first_part_map(set, NULL);
	pmemset_first_part_map(set, &p);
	UT_ASSERT(p != NULL);
	pmemset_next_part_map(NULL, p, &n);
	UT_ASSERT(n == NULL);
	pmemset_next_part_map(set, NULL, &n);
	UT_ASSERT(n == NULL);
	pmemset_next_part_map(set, p, NULL);
	pmemset_part_map_drop(NULL);

	UT_ERRANY(pmemset_remove_part_map(NULL, &p));
	UT_ERRANY(pmemset_remove_part_map(set, NULL));
	struct pmemset_part_map *none = NULL;
	UT_ERRANY(pmemset_remove_part_map(set, &none));
	UT_ERRANY(pmemset_remove_range(NULL, d.addr, 4096));
	/* the only reference is still ours: the part map was not touched */
	UT_ASSERT(p != NULL);
	pmemset_part_map_drop(&p);
	UT_OK(pmemset_remove_range(set, d.addr, 1));

	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
}

static void
data_functions(void)
{
	char buf[64] = { 0 };
	reset_msg();
	UT_ASSERT(pmemset_memcpy(NULL, buf, buf + 32, 8, 0) == NULL);
	UT_ASSERT(strcmp(pmemset_errormsg(), Reset) != 0);
	UT_ASSERT(pmemset_memmove(NULL, buf, buf + 4, 8, 0) == NULL);
	UT_ASSERT(pmemset_memset(NULL, buf, 0, 8, 0) == NULL);
	UT_ERRANY(pmemset_persist(NULL, buf, 8));
	UT_ERRANY(pmemset_flush(NULL, buf, 8));
	UT_ERRANY(pmemset_drain(NULL));
	UT_ERRANY(pmemset_deep_flush(NULL, buf, 8));
}

static void
error_functions(void)
{
	UT_ASSERT(pmemset_errormsg() != NULL);
	fflush(stderr);
	int saved = dup(2);
	int fd = open("/dev/null", O_WRONLY);
	dup2(fd, 2);
	pmemset_perror(NULL);
	pmemset_perror("%s", "");
	fflush(stderr);
	dup2(saved, 2);
	close(fd);
	close(saved);
}

int
main(void)
{
	UT_RUN(config_functions);
	UT_RUN(set_functions);
	UT_RUN(map_config_functions);
	UT_RUN(source_functions);
	UT_RUN(map_functions);
	UT_RUN(data_functions);
	UT_RUN(error_functions);
	if (Failures)
		UT_FAIL("%d calls did not reject their arguments", Failures);
	return 0;
}
