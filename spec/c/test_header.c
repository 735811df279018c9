/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_header.c -- every constant, enum value, structure size and offset of
 * the public header checked at compile time (contract §2.1-§2.5), plus the
 * header's self-sufficiency and the exported functions' signatures.
 */

/* the header alone must be enough, including for the *_MODE macros */
#include <libpmemset.h>

#include <stddef.h>

#define SA(cond) _Static_assert(cond, #cond)

#ifndef LIBPMEMSET_H
#error "include guard LIBPMEMSET_H missing"
#endif

/* §2.2 error codes (-200034 unassigned) */
SA(PMEMSET_E_UNKNOWN == -200000);
SA(PMEMSET_E_NOSUPP == -200001);
SA(PMEMSET_E_INVALID_PMEM2_SOURCE == -200002);
SA(PMEMSET_E_INVALID_SOURCE_PATH == -200003);
SA(PMEMSET_E_INVALID_SOURCE_TYPE == -200004);
SA(PMEMSET_E_CANNOT_ALLOCATE_INTERNAL_STRUCTURE == -200005);
SA(PMEMSET_E_INVALID_OFFSET_VALUE == -200006);
SA(PMEMSET_E_GRANULARITY_NOT_SUPPORTED == -200007);
SA(PMEMSET_E_INVALID_PMEM2_MAP == -200008);
SA(PMEMSET_E_PART_EXISTS == -200009);
SA(PMEMSET_E_GRANULARITY_NOT_SET == -200010);
SA(PMEMSET_E_GRANULARITY_MISMATCH == -200011);
SA(PMEMSET_E_NO_PART_MAPPED == -200012);
SA(PMEMSET_E_CANNOT_FIND_PART_MAP == -200013);
SA(PMEMSET_E_CANNOT_COALESCE_PARTS == -200014);
SA(PMEMSET_E_LENGTH_UNALIGNED == -200015);
SA(PMEMSET_E_PART_NOT_FOUND == -200016);
SA(PMEMSET_E_INVALID_COALESCING_VALUE == -200017);
SA(PMEMSET_E_DEEP_FLUSH_FAIL == -200018);
SA(PMEMSET_E_INVALID_SOURCE_FILE_CREATE_FLAGS == -200019);
SA(PMEMSET_E_CANNOT_CREATE_TEMP_FILE == -200020);
SA(PMEMSET_E_CANNOT_GROW_SOURCE_FILE == -200021);
SA(PMEMSET_E_PART_MAP_POSSIBLE_USE_AFTER_DROP == -200022);
SA(PMEMSET_E_CANNOT_FIT_PART_MAP == -200023);
SA(PMEMSET_E_OFFSET_OUT_OF_RANGE == -200024);
SA(PMEMSET_E_INVALID_PART_STATES == -200025);
SA(PMEMSET_E_UNDESIRABLE_PART_STATE == -200026);
SA(PMEMSET_E_SDS_ALREADY_SET == -200027);
SA(PMEMSET_E_SDS_NOSUPP == -200028);
SA(PMEMSET_E_SDS_DEVICE_ID_LEN_TOO_BIG == -200029);
SA(PMEMSET_E_MAP_LENGTH_UNSET == -200030);
SA(PMEMSET_E_SOURCE_FILE_IS_TOO_SMALL == -200031);
SA(PMEMSET_E_IO_FAIL == -200032);
SA(PMEMSET_E_LENGTH_OUT_OF_RANGE == -200033);
SA(PMEMSET_E_INVALID_ALIGNMENT_VALUE == -200035);
SA(PMEMSET_E_DAX_REGION_NOT_FOUND == -200036);
SA(PMEMSET_E_CANNOT_READ_BOUNDS == -200037);
SA(PMEMSET_E_BADBLOCK_NOSUPP == -200038);

/* §2.3 macros */
SA(PMEMSET_SOURCE_FILE_CREATE_ALWAYS == 1U);
SA(PMEMSET_SOURCE_FILE_CREATE_IF_NEEDED == 2U);
SA(PMEMSET_SOURCE_FILE_DO_NOT_GROW == 4U);
SA(PMEMSET_SOURCE_FILE_CREATE_MODE(0644) == (0644ULL << 32));
SA(FILE_CREATE_MODE_FROM_FLAG(PMEMSET_SOURCE_FILE_CREATE_MODE(0751)) == 0751U);
SA((PMEMSET_SOURCE_FILE_CREATE_ALWAYS_MODE(0600)) == (1ULL | (0600ULL << 32)));
SA(PMEMSET_SOURCE_FILE_VALID_MODES == (0777ULL << 32));
SA(PMEMSET_SOURCE_FILE_CREATE_VALID_FLAGS == ((0777ULL << 32) | 7));
SA(PMEMSET_SOURCE_FILE_RWXU_MODE == 0700);
SA((PMEMSET_SOURCE_FILE_RWU_MODE) == 0600);
SA(PMEMSET_SOURCE_FILE_RUSR_MODE == 0400);
SA(PMEMSET_SOURCE_FILE_WUSR_MODE == 0200);
SA(PMEMSET_SOURCE_FILE_XUSR_MODE == 0100);
SA(PMEMSET_SOURCE_FILE_RWXG_MODE == 0070);
SA((PMEMSET_SOURCE_FILE_RWG_MODE) == 0060);
SA(PMEMSET_SOURCE_FILE_RGRP_MODE == 0040);
SA(PMEMSET_SOURCE_FILE_WGRP_MODE == 0020);
SA(PMEMSET_SOURCE_FILE_XGRP_MODE == 0010);
SA(PMEMSET_SOURCE_FILE_RWXO_MODE == 0007);
SA((PMEMSET_SOURCE_FILE_RWO_MODE) == 0006);
SA(PMEMSET_SOURCE_FILE_ROTH_MODE == 0004);
SA(PMEMSET_SOURCE_FILE_WOTH_MODE == 0002);
SA(PMEMSET_SOURCE_FILE_XOTH_MODE == 0001);

SA(PMEMSET_F_MEM_NODRAIN == 1U);
SA(PMEMSET_F_MEM_NONTEMPORAL == 2U);
SA(PMEMSET_F_MEM_TEMPORAL == 4U);
SA(PMEMSET_F_MEM_WC == 8U);
SA(PMEMSET_F_MEM_WB == 16U);
SA(PMEMSET_F_MEM_NOFLUSH == 32U);
SA(PMEMSET_F_MEM_VALID_FLAGS == 0x3fU);
SA(PMEMSET_F_MEM_NODRAIN == PMEM2_F_MEM_NODRAIN);
SA(PMEMSET_F_MEM_NONTEMPORAL == PMEM2_F_MEM_NONTEMPORAL);
SA(PMEMSET_F_MEM_TEMPORAL == PMEM2_F_MEM_TEMPORAL);
SA(PMEMSET_F_MEM_WC == PMEM2_F_MEM_WC);
SA(PMEMSET_F_MEM_WB == PMEM2_F_MEM_WB);
SA(PMEMSET_F_MEM_NOFLUSH == PMEM2_F_MEM_NOFLUSH);

SA(PMEMSET_EVENT_CONTEXT_SIZE == 64);
SA(PMEMSET_SDS_DEVICE_ID_LEN == (size_t)512);

/* §2.4 enumerations */
SA(PMEMSET_EVENT_COPY == 0);
SA(PMEMSET_EVENT_MOVE == 1);
SA(PMEMSET_EVENT_SET == 2);
SA(PMEMSET_EVENT_FLUSH == 3);
SA(PMEMSET_EVENT_DRAIN == 4);
SA(PMEMSET_EVENT_PERSIST == 5);
SA(PMEMSET_EVENT_REMOVE_RANGE == 6);
SA(PMEMSET_EVENT_PART_ADD == 7);
SA(PMEMSET_EVENT_PART_REMOVE == 8);
SA(PMEMSET_EVENT_SDS_UPDATE == 9);
SA(PMEMSET_EVENT_BADBLOCK == 10);
SA(PMEMSET_EVENT_BADBLOCKS_CLEARED == 11);
SA(PMEMSET_PART_STATE_INDETERMINATE == 1);
SA(PMEMSET_PART_STATE_OK == 2);
SA(PMEMSET_PART_STATE_OK_BUT_ALREADY_OPEN == 4);
SA(PMEMSET_PART_STATE_OK_BUT_INTERRUPTED == 8);
SA(PMEMSET_PART_STATE_CORRUPTED == 16);
SA(PMEMSET_COALESCING_NONE == 0);
SA(PMEMSET_COALESCING_OPPORTUNISTIC == 1);
SA(PMEMSET_COALESCING_FULL == 2);
SA(PMEM2_GRANULARITY_BYTE == 0);
SA(PMEM2_GRANULARITY_CACHE_LINE == 1);
SA(PMEM2_GRANULARITY_PAGE == 2);

/* §2.5 structures: x86-64 layout */
SA(sizeof(struct pmemset_part_descriptor) == 16);
SA(offsetof(struct pmemset_part_descriptor, addr) == 0);
SA(offsetof(struct pmemset_part_descriptor, size) == 8);

SA(sizeof(struct pmemset_event_context) == 72);
SA(offsetof(struct pmemset_event_context, type) == 0);
SA(offsetof(struct pmemset_event_context, data) == 8);
SA(sizeof(((struct pmemset_event_context *)0)->data) == 64);

SA(sizeof(struct pmemset_event_copy) == 32);
SA(offsetof(struct pmemset_event_copy, src) == 0);
SA(offsetof(struct pmemset_event_copy, dest) == 8);
SA(offsetof(struct pmemset_event_copy, len) == 16);
SA(offsetof(struct pmemset_event_copy, flags) == 24);
SA(sizeof(struct pmemset_event_move) == 32);
SA(offsetof(struct pmemset_event_move, flags) == 24);
SA(sizeof(struct pmemset_event_set) == 32);
SA(offsetof(struct pmemset_event_set, dest) == 0);
SA(offsetof(struct pmemset_event_set, value) == 8);
SA(offsetof(struct pmemset_event_set, len) == 16);
SA(offsetof(struct pmemset_event_set, flags) == 24);
SA(sizeof(struct pmemset_event_flush) == 16);
SA(sizeof(struct pmemset_event_persist) == 16);
SA(sizeof(struct pmemset_event_remove_range) == 16);
SA(offsetof(struct pmemset_event_remove_range, len) == 8);
SA(sizeof(struct pmemset_event_part_remove) == 16);
SA(sizeof(struct pmemset_event_part_add) == 24);
SA(offsetof(struct pmemset_event_part_add, addr) == 0);
SA(offsetof(struct pmemset_event_part_add, len) == 8);
SA(offsetof(struct pmemset_event_part_add, src) == 16);
SA(sizeof(struct pmemset_event_sds_update) == 16);
SA(offsetof(struct pmemset_event_sds_update, src) == 8);
SA(sizeof(struct pmemset_event_badblock) == 16);
SA(offsetof(struct pmemset_event_badblock, src) == 8);
SA(sizeof(struct pmemset_event_badblocks_cleared) == 8);

SA(sizeof(struct pmemset_sds) == 536);
SA(offsetof(struct pmemset_sds, id) == 0);
SA(sizeof(((struct pmemset_sds *)0)->id) == 513);
SA(offsetof(struct pmemset_sds, usc) == 520);
SA(offsetof(struct pmemset_sds, refcount) == 528);

SA(sizeof(struct pmemset_badblock) == 16);
SA(offsetof(struct pmemset_badblock, offset) == 0);
SA(offsetof(struct pmemset_badblock, length) == 8);

/* union members alias the same storage */
SA(offsetof(struct pmemset_event_context, data.part_add) ==
   offsetof(struct pmemset_event_context, data._data));
SA(offsetof(struct pmemset_event_context, data.badblocks_cleared) == 8);

/* §2.6: each function has exactly the declared type (43 functions) */
#define SIG(fn, type) SA(__builtin_types_compatible_p(__typeof__(&fn), type))
SIG(pmemset_config_new, int (*)(struct pmemset_config **));
SIG(pmemset_config_set_reservation,
    void (*)(struct pmemset_config *, struct pmem2_vm_reservation *));
SIG(pmemset_config_set_acceptable_states,
    int (*)(struct pmemset_config *, uint64_t));
SIG(pmemset_config_set_event_callback,
    void (*)(struct pmemset_config *, pmemset_event_callback *, void *));
SIG(pmemset_config_set_required_store_granularity,
    int (*)(struct pmemset_config *, enum pmem2_granularity));
SIG(pmemset_config_delete, int (*)(struct pmemset_config **));
SIG(pmemset_new, int (*)(struct pmemset **, struct pmemset_config *));
SIG(pmemset_delete, int (*)(struct pmemset **));
SIG(pmemset_get_store_granularity,
    int (*)(struct pmemset *, enum pmem2_granularity *));
SIG(pmemset_set_contiguous_part_coalescing,
    int (*)(struct pmemset *, enum pmemset_coalescing));
SIG(pmemset_map_config_new, int (*)(struct pmemset_map_config **));
SIG(pmemset_map_config_set_offset,
    int (*)(struct pmemset_map_config *, size_t));
SIG(pmemset_map_config_set_length,
    void (*)(struct pmemset_map_config *, size_t));
SIG(pmemset_map_config_delete, int (*)(struct pmemset_map_config **));
SIG(pmemset_source_from_pmem2,
    int (*)(struct pmemset_source **, struct pmem2_source *));
SIG(pmemset_source_from_file, int (*)(struct pmemset_source **, const char *));
SIG(pmemset_xsource_from_file,
    int (*)(struct pmemset_source **, const char *, uint64_t));
SIG(pmemset_source_from_temporary,
    int (*)(struct pmemset_source **, const char *));
SIG(pmemset_source_delete, int (*)(struct pmemset_source **));
SIG(pmemset_source_set_sds,
    int (*)(struct pmemset_source *, struct pmemset_sds *,
	    enum pmemset_part_state *));
SIG(pmemset_source_set_badblock_detection,
    void (*)(struct pmemset_source *, bool));
SIG(pmemset_source_pread_mcsafe,
    int (*)(struct pmemset_source *, void *, size_t, size_t));
SIG(pmemset_source_pwrite_mcsafe,
    int (*)(struct pmemset_source *, void *, size_t, size_t));
SIG(pmemset_source_alignment, int (*)(struct pmemset_source *, size_t *));
SIG(pmemset_badblock_clear,
    int (*)(struct pmemset_badblock *, struct pmemset_source *));
SIG(pmemset_map,
    int (*)(struct pmemset *, struct pmemset_source *,
	    struct pmemset_map_config *, struct pmemset_part_descriptor *));
SIG(pmemset_descriptor_part_map,
    struct pmemset_part_descriptor (*)(struct pmemset_part_map *));
SIG(pmemset_part_map_by_address,
    int (*)(struct pmemset *, struct pmemset_part_map **, void *));
SIG(pmemset_first_part_map,
    void (*)(struct pmemset *, struct pmemset_part_map **));
SIG(pmemset_next_part_map, void (*)(struct pmemset *, struct pmemset_part_map *,
				    struct pmemset_part_map **));
SIG(pmemset_part_map_drop, void (*)(struct pmemset_part_map **));
SIG(pmemset_remove_part_map,
    int (*)(struct pmemset *, struct pmemset_part_map **));
SIG(pmemset_remove_range, int (*)(struct pmemset *, void *, size_t));
SIG(pmemset_memmove,
    void *(*)(struct pmemset *, void *, void *, size_t, unsigned));
SIG(pmemset_memcpy,
    void *(*)(struct pmemset *, void *, void *, size_t, unsigned));
SIG(pmemset_memset, void *(*)(struct pmemset *, void *, int, size_t, unsigned));
SIG(pmemset_persist, int (*)(struct pmemset *, void *, size_t));
SIG(pmemset_flush, int (*)(struct pmemset *, void *, size_t));
SIG(pmemset_deep_flush, int (*)(struct pmemset *, void *, size_t));
SIG(pmemset_drain, int (*)(struct pmemset *));
SIG(pmemset_err_to_errno, int (*)(int));
SIG(pmemset_errormsg, const char *(*)(void));
SIG(pmemset_perror, void (*)(const char *, ...));

/* the initializer yields the all-zero record */
static const struct pmemset_sds Zero_sds = PMEMSET_SDS_INITIALIZE();

int
main(void)
{
	const unsigned char *b = (const unsigned char *)&Zero_sds;
	for (size_t i = 0; i < sizeof(Zero_sds); i++)
		if (b[i] != 0)
			return 1;
	return pmemset_err_to_errno(0);
}
