/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pmemset_ext.h -- extensions of libpmemset that PMDK did not have.
 *
 * Nothing here changes the behaviour of the PMDK-compatible API in
 * libpmemset.h; a program that never calls these functions behaves exactly
 * as with PMDK's library.
 */

#ifndef PMEMSET_EXT_H
#define PMEMSET_EXT_H 1

#include <libpmemset.h>

#ifdef __cplusplus
extern "C" {
#endif

/* one bit per enum pmemset_event value */
#define PMEMSET_EVENT_MASK(ev) (1ULL << (unsigned)(ev))
#define PMEMSET_EVENT_MASK_ALL                                                 \
	((1ULL << (PMEMSET_EVENT_BADBLOCKS_CLEARED + 1)) - 1)

/*
 * pmemset_config_set_event_mask -- deliver only the event kinds whose bit is
 * set to the callback (default: all). An unsubscribed kind costs the data
 * path nothing beyond the test that a set without a callback makes anyway.
 * Returns 0, or -EINVAL for bits outside PMEMSET_EVENT_MASK_ALL (the mask is
 * then unchanged).
 */
int pmemset_config_set_event_mask(struct pmemset_config *cfg, uint64_t mask);

/*
 * pmemset_set_event_mask -- change the kinds delivered to the callback of
 * a live set (created from a config with a callback); the next event uses
 * the new mask. Not from an event callback of the same set. Returns 0, or
 * -EINVAL for a NULL set, a set without a callback or bits outside
 * PMEMSET_EVENT_MASK_ALL (the mask is then unchanged).
 */
int pmemset_set_event_mask(struct pmemset *set, uint64_t mask);

/* what a state policy is told about a part about to be mapped */
struct pmemset_state_info {
	enum pmemset_part_state state;	  /* classification of the SDS rules */
	const char *path;		  /* source file, NULL if unknown */
	const char *device_id;		  /* current id of the device */
	uint64_t usc;			  /* current unsafe-shutdown count */
	const struct pmemset_sds *stored; /* SDS as it was before this map */
	int use_count;			  /* parts of the source mapped now */
};

/*
 * A state policy decides whether a part in info->state may be mapped.
 * Return 0 to accept, non-zero to refuse; on refusal the policy may write a
 * NUL-terminated reason of at most why_len bytes into why, which then ends
 * the pmemset_map error message.
 */
typedef int pmemset_state_policy(const struct pmemset_state_info *info,
				 char *why, size_t why_len, void *arg);

/*
 * pmemset_config_set_state_policy -- consult policy instead of the
 * acceptable-states mask when an SDS source is mapped; NULL restores the
 * mask. A refusal makes pmemset_map fail with
 * PMEMSET_E_UNDESIRABLE_PART_STATE with nothing mapped.
 */
void pmemset_config_set_state_policy(struct pmemset_config *cfg,
				     pmemset_state_policy *policy, void *arg);

/*
 * pmemset_source_get_path -- the file a source was opened from (for
 * temporary and pmem2 sources the path the kernel reports for the open
 * descriptor), or NULL. Valid until the source is deleted.
 */
const char *pmemset_source_get_path(struct pmemset_source *src);

/*
 * pmemset_part_map_serial -- a number no other part map of its set had or
 * will have (0 for NULL): a part map's address may be reused by a later
 * one after it is removed, its serial not. Read under a held reference.
 */
uint64_t pmemset_part_map_serial(const struct pmemset_part_map *pmap);

/*
 * Health probes: what pmemset_map would find in a source, without mapping
 * it (a health checker looks at pools an application may have open).
 *
 * pmemset_source_device_sds -- the id and unsafe-shutdown count of the
 * source's device now, as an SDS record (refcount 0): what the core compares
 * a stored SDS with. PMEMSET_E_SDS_NOSUPP when the device reports no id or
 * no count, PMEMSET_E_SDS_DEVICE_ID_LEN_TOO_BIG for an id over
 * PMEMSET_SDS_DEVICE_ID_LEN bytes.
 */
int pmemset_source_device_sds(struct pmemset_source *src,
			      struct pmemset_sds *now);

/*
 * pmemset_source_sds_state -- the part state pmemset_map would classify the
 * source in now (the rules of pmemset_source_set_sds), leaving its SDS
 * unchanged. -EINVAL when the source has no SDS; the errors of
 * pmemset_source_device_sds.
 */
int pmemset_source_sds_state(struct pmemset_source *src,
			     enum pmemset_part_state *state);

/*
 * pmemset_source_badblocks -- the bad blocks of the source (offsets from its
 * start, in offset order) as a malloc'ed array of *count entries (NULL when
 * there are none) for the caller to free(). PMEMSET_E_BADBLOCK_NOSUPP
 * where the source's device cannot list bad blocks.
 */
int pmemset_source_badblocks(struct pmemset_source *src,
			     struct pmemset_badblock **bbs, size_t *count);

/* pmemset_part_map_count -- number of part maps in the set now */
size_t pmemset_part_map_count(struct pmemset *set);

/*
 * pmemset_vm_reservation_new -- pmem2_vm_reservation_new(rsv, NULL, size)
 * without the defect of libpmem2 1.12.1, which maps alignment padding past
 * the end of every reservation and never unmaps it (a leaked region and
 * kernel mapping per reservation, and in-place extension always fails).
 * Delete the result with pmem2_vm_reservation_delete. Returns 0 or a
 * libpmem2 error code.
 */
int pmemset_vm_reservation_new(struct pmem2_vm_reservation **rsv, size_t size);

#ifdef __cplusplus
}
#endif
#endif /* pmemset_ext.h */
