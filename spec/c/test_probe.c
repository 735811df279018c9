/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_probe.c -- the health probes of pmemset_ext.h on emulated devices:
 * pmemset_source_device_sds, pmemset_source_sds_state and
 * pmemset_source_badblocks answer what pmemset_map would find, change
 * nothing (no SDS adopted, no bad block cleared, the next map classifies
 * the same), and check their arguments.
 */

#include <pmemset_emu.h>
#include <pmemset_ext.h>

#include "ut_core.h"

#define POOL_SIZE (64 * KiB)
#define DEV_ID	  "dimm-probe"

static char dir[4096];
static char pool[4200];

static struct pmemset_source *
open_pool(void)
{
	struct pmemset_source *src;
	UT_OK(pmemset_source_from_file(&src, pool));
	return src;
}

static void
device(void)
{
	struct pmemset_source *src = open_pool();
	struct pmemset_sds now;
	memset(&now, 'x', sizeof(now));
	UT_OK(pmemset_source_device_sds(src, &now));
	UT_ASSERTeq(strcmp(now.id, DEV_ID), 0);
	UT_ASSERTeq(now.usc, 5);
	UT_ASSERTeq(now.refcount, 0);
	UT_OK(pmemset_emu_unsafe_shutdown(DEV_ID, NULL));
	UT_OK(pmemset_source_device_sds(src, &now));
	UT_ASSERTeq(now.usc, 6);
	UT_OK(pmemset_emu_device_set_usc(DEV_ID, 5));
	UT_OK(pmemset_source_delete(&src));
}

static void
states(void)
{
	struct pmemset_source *src = open_pool();
	enum pmemset_part_state state = PMEMSET_PART_STATE_OK;
	UT_ERR(pmemset_source_sds_state(src, &state), -EINVAL);
	UT_ASSERT(strstr(pmemset_errormsg(), "has no SDS"));

	/* left open at usc 5: interrupted; after an unsafe shutdown, corrupted
	 */
	struct pmemset_sds sds = { .id = DEV_ID, .usc = 5, .refcount = 1 };
	enum pmemset_part_state mapped = 0;
	UT_OK(pmemset_source_set_sds(src, &sds, &mapped));
	UT_OK(pmemset_source_sds_state(src, &state));
	UT_ASSERTeq(state, PMEMSET_PART_STATE_OK_BUT_INTERRUPTED);
	UT_OK(pmemset_emu_unsafe_shutdown(DEV_ID, NULL));
	UT_OK(pmemset_source_sds_state(src, &state));
	UT_ASSERTeq(state, PMEMSET_PART_STATE_CORRUPTED);
	UT_OK(pmemset_emu_device_set_usc(DEV_ID, 5));
	UT_ASSERTeq(mapped, 0); /* a probe is no map: the state is not stored */
	UT_OK(pmemset_source_delete(&src));

	/* closed cleanly at usc 4: ok, and the probe adopts nothing */
	src = open_pool();
	struct pmemset_sds old = { .id = DEV_ID, .usc = 4, .refcount = 0 };
	UT_OK(pmemset_source_set_sds(src, &old, &mapped));
	UT_OK(pmemset_source_sds_state(src, &state));
	UT_ASSERTeq(state, PMEMSET_PART_STATE_OK);
	struct pmemset *set = ut_set(NULL, NULL, NULL);
	UT_ASSERTne(ut_map(set, src, 0, POOL_SIZE), NULL);
	UT_ASSERTeq(mapped, PMEMSET_PART_STATE_OK);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
}

static void
badblocks(void)
{
	struct pmemset_source *src = open_pool();
	struct pmemset_badblock *bbs = (void *)1;
	size_t n = 99;
	UT_OK(pmemset_source_badblocks(src, &bbs, &n));
	UT_ASSERTeq(n, 0);
	UT_ASSERTeq(bbs, NULL);

	UT_OK(pmemset_emu_badblock_add(pool, 16384, 4096));
	UT_OK(pmemset_emu_badblock_add(pool, 4096, 512));
	UT_OK(pmemset_source_badblocks(src, &bbs, &n));
	UT_ASSERTeq(n, 2);
	UT_ASSERTeq(bbs[0].offset, 4096);
	UT_ASSERTeq(bbs[0].length, 512);
	UT_ASSERTeq(bbs[1].offset, 16384);
	UT_ASSERTeq(bbs[1].length, 4096);
	free(bbs);

	/* listing cleared nothing: the blocks are still there */
	UT_OK(pmemset_source_badblocks(src, &bbs, &n));
	UT_ASSERTeq(n, 2);
	free(bbs);
	UT_OK(pmemset_emu_badblock_remove(pool, 0, POOL_SIZE));
	UT_OK(pmemset_source_delete(&src));
}

static void
arguments(void)
{
	struct pmemset_source *src = open_pool();
	struct pmemset_sds now;
	enum pmemset_part_state state;
	struct pmemset_badblock *bbs;
	size_t n;
	UT_ERR(pmemset_source_device_sds(NULL, &now), -EINVAL);
	UT_ERR(pmemset_source_device_sds(src, NULL), -EINVAL);
	UT_ERR(pmemset_source_sds_state(NULL, &state), -EINVAL);
	UT_ERR(pmemset_source_sds_state(src, NULL), -EINVAL);
	UT_ERR(pmemset_source_badblocks(NULL, &bbs, &n), -EINVAL);
	UT_ERR(pmemset_source_badblocks(src, NULL, &n), -EINVAL);
	UT_ERR(pmemset_source_badblocks(src, &bbs, NULL), -EINVAL);
	UT_OK(pmemset_source_delete(&src));
}

/* a regular file off every device: no id, no count */
static void
real_nosupp(void)
{
	const char *path = ut_path("plain");
	ut_file(path, POOL_SIZE, 'q');
	struct pmemset_source *src;
	UT_OK(pmemset_source_from_file(&src, path));
	struct pmemset_sds now;
	UT_ERR(pmemset_source_device_sds(src, &now), PMEMSET_E_SDS_NOSUPP);
	UT_OK(pmemset_source_delete(&src));
	unlink(path);
}

int
main(void)
{
	unsetenv("PMEMSET_EMULATE");
	snprintf(dir, sizeof(dir), "%s", ut_path("probedev"));
	UT_ASSERTeq(mkdir(dir, 0755), 0);
	snprintf(pool, sizeof(pool), "%s/pool", dir);
	ut_file(pool, POOL_SIZE, 'p');
	char emu[4200];
	snprintf(emu, sizeof(emu), "%s", ut_path("probe.emu"));
	UT_OK(pmemset_emu_select(emu));
	UT_OK(pmemset_emu_device_add(DEV_ID, 5, dir));

	UT_RUN(device);
	UT_RUN(states);
	UT_RUN(badblocks);
	UT_RUN(arguments);
	UT_OK(pmemset_emu_select(NULL));
	UT_RUN(real_nosupp);

	unlink(pool);
	rmdir(dir);
	unlink(emu);
	strcat(emu, ".lock");
	unlink(emu);
	return 0;
}
