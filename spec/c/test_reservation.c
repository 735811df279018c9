/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_reservation.c -- caller and library virtual-memory reservations:
 * first-fit placement, CANNOT_FIT_PART_MAP, what pmemset_delete leaves
 * (contract §3.3).
 */

#include <pmemset_ext.h>

#include "ut_core.h"

#define P (64 * KiB)

/* whether addr is inside a mapping with no access (a reservation) */
static int
is_reserved_only(const void *addr)
{
	char line[4096];
	if (!ut_maps_line(addr, line, sizeof(line)))
		return 0;
	return strstr(line, " ---p ") != NULL;
}

/* whether addr is in a mapping of some file (a part) */
static int
is_file_mapping(const void *addr)
{
	char line[4096];
	if (!ut_maps_line(addr, line, sizeof(line)))
		return 0;
	return strchr(line, '/') != NULL;
}

static void
first_fit(void)
{
	char *base;
	struct pmem2_vm_reservation *rsv = ut_rsv(3 * 128 * KiB, &base);
	struct pmemset *set = ut_set(NULL, NULL, rsv);
	struct pmemset_source *src = ut_source("fit", 128 * KiB, 'f');

	for (int i = 0; i < 6; i++)
		UT_ASSERTeq(ut_map(set, src, 0, P), base + i * P);
	UT_ERR(ut_map_range(set, src, 0, P, NULL),
	       PMEMSET_E_CANNOT_FIT_PART_MAP);

	/* every second part removed: free 64 KiB holes, no 128 KiB gap */
	for (int i = 0; i < 6; i += 2)
		UT_OK(pmemset_remove_range(set, base + i * P, P));
	struct ut_snap before, after;
	ut_snap(set, &before);
	UT_ASSERTeq(before.n, 3);
	size_t lines = ut_maps_ours();
	UT_ERR(ut_map_range(set, src, 0, 2 * P, NULL),
	       PMEMSET_E_CANNOT_FIT_PART_MAP);
	ut_snap(set, &after);
	ut_snap_eq(&before, &after);
	UT_ASSERTeq(ut_maps_ours(), lines);

	/* a 64 KiB part takes the lowest hole */
	UT_ASSERTeq(ut_map(set, src, 0, P), base);
	UT_ASSERTeq(ut_map(set, src, 0, P), base + 2 * P);
	UT_ASSERTeq(ut_map(set, src, 0, P), base + 4 * P);

	/* a removed 128 KiB range fits a 128 KiB part again */
	UT_OK(pmemset_remove_range(set, base + 2 * P, 2 * P));
	UT_ASSERTeq(ut_map(set, src, 0, 2 * P), base + 2 * P);
	UT_ASSERTeq(base[2 * P], 'f');
	UT_ASSERT(is_file_mapping(base + 3 * P));

	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
	UT_ASSERTeq(pmem2_vm_reservation_delete(&rsv), 0);
}

/* a part larger than the reservation never fits */
static void
too_big(void)
{
	char *base;
	struct pmem2_vm_reservation *rsv = ut_rsv(2 * P, &base);
	struct pmemset *set = ut_set(NULL, NULL, rsv);
	struct pmemset_source *src = ut_source("big", 4 * P, 'b');
	UT_ERR(pmemset_map(set, src, NULL, NULL),
	       PMEMSET_E_CANNOT_FIT_PART_MAP);
	UT_ASSERTeq(ut_map(set, src, 0, 2 * P), base);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
	UT_ASSERTeq(pmem2_vm_reservation_delete(&rsv), 0);
}

/* pmemset_delete leaves the caller's reservation reserved and reusable */
static void
survives_delete(void)
{
	char *base;
	struct pmem2_vm_reservation *rsv = ut_rsv(4 * P, &base);
	struct pmemset *set = ut_set(NULL, NULL, rsv);
	struct pmemset_source *src = ut_source("survive", P, 's');
	for (int i = 0; i < 4; i++)
		ut_map(set, src, 0, P);
	UT_ASSERT(is_file_mapping(base));
	UT_OK(pmemset_delete(&set));

	for (int i = 0; i < 4; i++)
		UT_ASSERT(is_reserved_only(base + i * P));
	UT_ASSERTeq(pmem2_vm_reservation_get_size(rsv), 4 * P);
	UT_ASSERTeq(pmem2_vm_reservation_get_address(rsv), base);

	/* a new set uses it again from the start */
	set = ut_set(NULL, NULL, rsv);
	UT_ASSERTeq(ut_map(set, src, 0, P), base);
	UT_OK(pmemset_delete(&set));

	UT_OK(pmemset_source_delete(&src));
	UT_ASSERTeq(pmem2_vm_reservation_delete(&rsv), 0);
	UT_ASSERT(!ut_is_mapped(base));
}

/*
 * Library reservations: removed parts leave no accessible memory, the
 * remaining ones stay, and once the set is empty nothing of it is left in
 * the address space once the set is deleted. (§3.3 also says the
 * reservation is trimmed to the remaining parts and deleted once empty; the
 * core keeps large arenas shared by part maps for the set's lifetime, so
 * only the common ground is asserted here.)
 */
static void
library_trim(void)
{
	struct pmemset *set = ut_set(NULL, NULL, NULL);
	struct pmemset_source *src = ut_source("trim", P, 't');
	size_t lines = ut_maps_ours();
	UT_OK(pmemset_set_contiguous_part_coalescing(set,
						     PMEMSET_COALESCING_FULL));
	char *base = ut_map(set, src, 0, P);
	int n = 1;
	while (n < 4 && ut_map_range(set, src, 0, P, NULL) == 0)
		n++;
	if (n < 4) {
		fprintf(stderr, "    skipped: FULL could not coalesce\n");
		UT_OK(pmemset_delete(&set));
		UT_OK(pmemset_source_delete(&src));
		return;
	}
	/* [base, base+4P) is one part map of four parts */
	UT_OK(pmemset_remove_range(set, base + P, 1));
	UT_ASSERT(is_reserved_only(base + P)); /* middle hole reserved */
	UT_OK(pmemset_remove_range(set, base + 3 * P, 1));
	UT_ASSERT(!ut_is_accessible(base + 3 * P));
	UT_ASSERT(is_file_mapping(base));
	UT_ASSERT(is_file_mapping(base + 2 * P));
	UT_OK(pmemset_remove_range(set, base, 1));
	UT_ASSERT(!ut_is_accessible(base));
	UT_ASSERT(!ut_is_accessible(base + P));
	UT_ASSERT(is_file_mapping(base + 2 * P));
	UT_OK(pmemset_remove_range(set, base + 2 * P, 1));
	for (int i = 0; i < 4; i++)
		UT_ASSERT(!ut_is_accessible(base + i * P));
	UT_ASSERTeq(ut_maps_ours(), lines);
	/* an emptied set may keep its arena; a deleted one keeps nothing */
	UT_OK(pmemset_delete(&set));
	for (int i = 0; i < 4; i++)
		UT_ASSERT(!ut_is_mapped(base + i * P));
	UT_OK(pmemset_source_delete(&src));
}

/* pmemset_delete drops the library's own reservations */
static void
library_dropped_on_delete(void)
{
	struct pmemset *set = ut_set(NULL, NULL, NULL);
	struct pmemset_source *src = ut_source("libdel", 4 * P, 'l');
	size_t lines = ut_maps_ours();
	char *a = ut_map(set, src, 0, 4 * P);
	char *b = ut_map(set, src, P, P);
	UT_OK(pmemset_remove_range(set, a + P, 1)); /* cut a in two */
	UT_OK(pmemset_delete(&set));
	for (size_t off = 0; off < 4 * P; off += P)
		UT_ASSERT(!ut_is_mapped(a + off));
	UT_ASSERT(!ut_is_mapped(b));
	UT_ASSERTeq(ut_maps_ours(), lines);
	UT_OK(pmemset_source_delete(&src));
}

/*
 * pmemset_vm_reservation_new checks its arguments and never falls back to
 * libpmem2's own placement (which leaves padding mapped after delete)
 */
static void
library_reservation_args(void)
{
	UT_ERR(pmemset_vm_reservation_new(NULL, P), -EINVAL);
	struct pmem2_vm_reservation *rsv = (void *)&rsv;
	UT_ERR(pmemset_vm_reservation_new(&rsv, 0),
	       PMEM2_E_LENGTH_OUT_OF_RANGE);
	UT_ASSERT(rsv == NULL);
	UT_ERR(pmemset_vm_reservation_new(&rsv, ut_pagesize() + 1),
	       PMEM2_E_LENGTH_UNALIGNED);
	UT_ERR(pmemset_vm_reservation_new(&rsv, SIZE_MAX & ~(size_t)4095),
	       PMEM2_E_LENGTH_OUT_OF_RANGE);
	UT_ASSERT(rsv == NULL);
	/* 2^47: all of user space, no hole is that large */
	size_t huge = (size_t)1 << 47;
	int ret = pmemset_vm_reservation_new(&rsv, huge);
	if (ret == 0) {
		UT_OK(pmem2_vm_reservation_delete(&rsv));
	} else {
		UT_ASSERT(ret < 0);
		UT_ASSERT(rsv == NULL);
		UT_ASSERT(pmemset_errormsg()[0] != '\0');
	}

	/* one made and deleted leaves nothing mapped around it */
	UT_OK(pmemset_vm_reservation_new(&rsv, 4 * P));
	char *base = pmem2_vm_reservation_get_address(rsv);
	UT_ASSERT(is_reserved_only(base));
	UT_OK(pmem2_vm_reservation_delete(&rsv));
	for (size_t off = 0; off < 4 * P + 4 * MiB; off += P)
		UT_ASSERT(!ut_is_mapped(base + off));
}

int
main(void)
{
	UT_RUN(first_fit);
	UT_RUN(too_big);
	UT_RUN(survives_delete);
	UT_RUN(library_trim);
	UT_RUN(library_dropped_on_delete);
	UT_RUN(library_reservation_args);
	return 0;
}
