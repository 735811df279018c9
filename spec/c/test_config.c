/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_config.c -- set configs, map configs, pmemset_new and pmemset_delete
 * (contract §2.6 Configuration, Set, Map configuration; §1 snapshots).
 */

#include "ut_core.h"

#define ALL_STATES                                                             \
	(PMEMSET_PART_STATE_INDETERMINATE | PMEMSET_PART_STATE_OK |            \
	 PMEMSET_PART_STATE_OK_BUT_ALREADY_OPEN |                              \
	 PMEMSET_PART_STATE_OK_BUT_INTERRUPTED | PMEMSET_PART_STATE_CORRUPTED)

static void
config_new_delete(void)
{
	struct pmemset_config *cfg = NULL;
	UT_OK(pmemset_config_new(&cfg));
	UT_ASSERT(cfg != NULL);
	UT_OK(pmemset_config_delete(&cfg));
	UT_ASSERT(cfg == NULL);
	/* deleting a NULL config is a no-op returning 0 */
	UT_OK(pmemset_config_delete(&cfg));
	UT_ASSERT(cfg == NULL);
}

static void
acceptable_states_mask(void)
{
	struct pmemset_config *cfg;
	UT_OK(pmemset_config_new(&cfg));
	UT_OK(pmemset_config_set_acceptable_states(cfg, 0));
	UT_OK(pmemset_config_set_acceptable_states(cfg, ALL_STATES));
	UT_OK(pmemset_config_set_acceptable_states(
		cfg, PMEMSET_PART_STATE_OK_BUT_INTERRUPTED));
	UT_ERR(pmemset_config_set_acceptable_states(cfg, 1 << 5),
	       PMEMSET_E_INVALID_PART_STATES);
	UT_ERR(pmemset_config_set_acceptable_states(cfg, ALL_STATES | 1 << 5),
	       PMEMSET_E_INVALID_PART_STATES);
	UT_ERR(pmemset_config_set_acceptable_states(cfg, 1ULL << 63),
	       PMEMSET_E_INVALID_PART_STATES);
	UT_ERR(pmemset_config_set_acceptable_states(cfg, UINT64_MAX),
	       PMEMSET_E_INVALID_PART_STATES);
	UT_OK(pmemset_config_delete(&cfg));
}

static void
granularity_values(void)
{
	struct pmemset_config *cfg;
	UT_OK(pmemset_config_new(&cfg));
	UT_OK(pmemset_config_set_required_store_granularity(
		cfg, PMEM2_GRANULARITY_BYTE));
	UT_OK(pmemset_config_set_required_store_granularity(
		cfg, PMEM2_GRANULARITY_CACHE_LINE));
	UT_OK(pmemset_config_set_required_store_granularity(
		cfg, PMEM2_GRANULARITY_PAGE));
	UT_ERR(pmemset_config_set_required_store_granularity(
		       cfg, (enum pmem2_granularity)3),
	       PMEMSET_E_GRANULARITY_NOT_SUPPORTED);
	UT_ERR(pmemset_config_set_required_store_granularity(
		       cfg, (enum pmem2_granularity) - 1),
	       PMEMSET_E_GRANULARITY_NOT_SUPPORTED);

	/* the failed calls left PAGE in place: a set maps a file */
	struct pmemset *set;
	UT_OK(pmemset_new(&set, cfg));
	struct pmemset_source *src = ut_source("gran", 64 * KiB, 'g');
	UT_OK(pmemset_map(set, src, NULL, NULL));
	UT_OK(pmemset_delete(&set));

	/* BYTE stays in place after a bad value: a file cannot give it */
	UT_OK(pmemset_config_set_required_store_granularity(
		cfg, PMEM2_GRANULARITY_BYTE));
	UT_ERR(pmemset_config_set_required_store_granularity(
		       cfg, (enum pmem2_granularity)7),
	       PMEMSET_E_GRANULARITY_NOT_SUPPORTED);
	UT_OK(pmemset_new(&set, cfg));
	UT_ERR(pmemset_map(set, src, NULL, NULL), PMEMSET_E_INVALID_PMEM2_MAP);
	UT_OK(pmemset_delete(&set));

	UT_OK(pmemset_source_delete(&src));
	UT_OK(pmemset_config_delete(&cfg));
}

static void
new_needs_granularity(void)
{
	struct pmemset_config *cfg;
	struct pmemset *set = (struct pmemset *)&cfg; /* not NULL */
	UT_OK(pmemset_config_new(&cfg));
	UT_ERR(pmemset_new(&set, cfg), PMEMSET_E_GRANULARITY_NOT_SET);
	UT_ASSERT(set == NULL);

	/* a NULL config counts as one without granularity */
	set = (struct pmemset *)&cfg;
	UT_ERR(pmemset_new(&set, NULL), PMEMSET_E_GRANULARITY_NOT_SET);
	UT_ASSERT(set == NULL);

	UT_OK(pmemset_config_set_required_store_granularity(
		cfg, PMEM2_GRANULARITY_PAGE));
	UT_OK(pmemset_new(&set, cfg));
	UT_ASSERT(set != NULL);
	UT_OK(pmemset_delete(&set));
	UT_ASSERT(set == NULL);
	/* deleting a NULL set is a no-op */
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_config_delete(&cfg));
}

static int
count_event(struct pmemset *set, struct pmemset_event_context *ctx, void *arg)
{
	(void)set;
	(void)ctx;
	++*(int *)arg;
	return 0;
}

/* pmemset_new takes a snapshot: later config changes do not reach the set */
static void
new_snapshots_config(void)
{
	int first = 0, second = 0;
	struct pmemset_config *cfg = ut_config(count_event, &first, NULL);
	struct pmemset *set;
	UT_OK(pmemset_new(&set, cfg));

	pmemset_config_set_event_callback(cfg, count_event, &second);
	UT_OK(pmemset_config_set_required_store_granularity(
		cfg, PMEM2_GRANULARITY_BYTE));
	UT_OK(pmemset_config_delete(&cfg));

	struct pmemset_source *src = ut_source("snap", 64 * KiB, 's');
	UT_OK(pmemset_map(set, src, NULL, NULL)); /* still PAGE */
	UT_ASSERTeq(first, 1);			  /* PART_ADD, old callback */
	UT_ASSERTeq(second, 0);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
}

/* a config without a callback: sets fire nothing; NULL clears a callback */
static void
callback_cleared(void)
{
	int n = 0;
	struct pmemset_config *cfg = ut_config(count_event, &n, NULL);
	pmemset_config_set_event_callback(cfg, NULL, NULL);
	struct pmemset *set;
	UT_OK(pmemset_new(&set, cfg));
	UT_OK(pmemset_config_delete(&cfg));
	struct pmemset_source *src = ut_source("nocb", 64 * KiB, 'n');
	char *addr = ut_map(set, src, 0, 0);
	UT_OK(pmemset_remove_range(set, addr, 1));
	UT_ASSERTeq(n, 0);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
}

/* set_reservation(NULL) clears: parts then go outside the reservation */
static void
reservation_cleared(void)
{
	char *base;
	struct pmem2_vm_reservation *rsv = ut_rsv(256 * KiB, &base);
	struct pmemset_config *cfg = ut_config(NULL, NULL, rsv);
	struct pmemset *set;
	struct pmemset_source *src = ut_source("rsvclr", 64 * KiB, 'r');

	UT_OK(pmemset_new(&set, cfg));
	UT_ASSERTeq(ut_map(set, src, 0, 0), base);
	UT_OK(pmemset_delete(&set));

	pmemset_config_set_reservation(cfg, NULL);
	UT_OK(pmemset_new(&set, cfg));
	char *addr = ut_map(set, src, 0, 0);
	UT_ASSERT(addr + 64 * KiB <= base || addr >= base + 256 * KiB);
	UT_OK(pmemset_delete(&set));

	UT_OK(pmemset_config_delete(&cfg));
	UT_OK(pmemset_source_delete(&src));
	UT_ASSERTeq(pmem2_vm_reservation_delete(&rsv), 0);
}

static void
map_config(void)
{
	struct pmemset_map_config *mc = NULL;
	UT_OK(pmemset_map_config_new(&mc));
	UT_ASSERT(mc != NULL);
	UT_OK(pmemset_map_config_set_offset(mc, 0));
	UT_OK(pmemset_map_config_set_offset(mc, (size_t)INT64_MAX));
	UT_OK(pmemset_map_config_set_offset(mc, 64 * KiB));
	UT_ERR(pmemset_map_config_set_offset(mc, (size_t)INT64_MAX + 1),
	       PMEMSET_E_OFFSET_OUT_OF_RANGE);
	UT_ERR(pmemset_map_config_set_offset(mc, SIZE_MAX),
	       PMEMSET_E_OFFSET_OUT_OF_RANGE);
	pmemset_map_config_set_length(mc, 64 * KiB);

	/* the failed set_offset kept 64 KiB: the map shows the second half */
	const char *path = ut_path("mapcfg");
	ut_file(path, 64 * KiB, 'a');
	int fd = open(path, O_RDWR);
	UT_ASSERT(fd >= 0);
	char b[64 * KiB];
	memset(b, 'b', sizeof(b));
	UT_ASSERTeq(pwrite(fd, b, sizeof(b), 64 * KiB), sizeof(b));
	close(fd);

	struct pmemset *set = ut_set(NULL, NULL, NULL);
	struct pmemset_source *src;
	UT_OK(pmemset_source_from_file(&src, path));
	struct pmemset_part_descriptor d;
	UT_OK(pmemset_map(set, src, mc, &d));
	UT_ASSERTeq(d.size, 64 * KiB);
	UT_ASSERTeq(((char *)d.addr)[0], 'b');
	UT_ASSERTeq(((char *)d.addr)[64 * KiB - 1], 'b');

	/* a map config may be deleted while its parts stay mapped */
	UT_OK(pmemset_map_config_delete(&mc));
	UT_ASSERT(mc == NULL);
	UT_OK(pmemset_map_config_delete(&mc));
	UT_ASSERTeq(((char *)d.addr)[0], 'b');

	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
}

/* pmemset_delete unmaps every part, referenced or not */
static void
delete_unmaps_all(void)
{
	struct pmemset *set = ut_set(NULL, NULL, NULL);
	struct pmemset_source *src = ut_source("delall", 256 * KiB, 'd');
	size_t before = ut_maps_ours();
	char *a[4];
	for (int i = 0; i < 4; i++)
		a[i] = ut_map(set, src, (size_t)i * 64 * KiB, 64 * KiB);
	struct pmemset_part_map *held = ut_pmap(set, a[2]); /* dangles */
	(void)held;
	for (int i = 0; i < 4; i++)
		UT_ASSERT(ut_is_mapped(a[i]));
	UT_OK(pmemset_delete(&set));
	UT_ASSERT(set == NULL);
	for (int i = 0; i < 4; i++) {
		UT_ASSERT(!ut_is_mapped(a[i]));
		UT_ASSERT(!ut_is_mapped(a[i] + 64 * KiB - 1));
	}
	UT_ASSERTeq(ut_maps_ours(), before);
	UT_OK(pmemset_source_delete(&src));
}

int
main(void)
{
	UT_RUN(config_new_delete);
	UT_RUN(acceptable_states_mask);
	UT_RUN(granularity_values);
	UT_RUN(new_needs_granularity);
	UT_RUN(new_snapshots_config);
	UT_RUN(callback_cleared);
	UT_RUN(reservation_cleared);
	UT_RUN(map_config);
	UT_RUN(delete_unmaps_all);
	return 0;
}
