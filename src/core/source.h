/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * source.h -- struct pmemset_source: where the data of parts comes from.
 *
 * A source may be deleted while its parts are still mapped. The struct then
 * stays allocated (closed) until the last part goes, so the SDS copy, use
 * count and the pointer given in SDS_UPDATE events stay valid.
 */

#ifndef PMEMSET_SOURCE_H
#define PMEMSET_SOURCE_H 1

#include <pthread.h>
#include <stdbool.h>

#include <libpmemset.h>

enum source_type {
	SOURCE_PMEM2,	  /* caller's struct pmem2_source, borrowed */
	SOURCE_FILE,	  /* a file we opened */
	SOURCE_TEMPORARY, /* an unnamed file we created */
};

struct device;

struct pmemset_source {
	enum source_type type;
	struct pmem2_source *pmem2; /* owned unless SOURCE_PMEM2 */
	int fd;			    /* owned unless SOURCE_PMEM2 */
	char *path;
	bool growable;
	bool badblock_detection;
	struct device *dev;

	pthread_mutex_t lock; /* guards everything below */
	bool has_sds;
	struct pmemset_sds sds; /* the library's copy */
	enum pmemset_part_state *state_ptr;
	int use_count; /* parts of this source mapped now, in any set */
	int refs;      /* 1 while not deleted, + 1 per part */
	bool closed;
};

/* source_hold/source_release -- one reference per mapped part */
void source_hold(struct pmemset_source *src);
void source_release(struct pmemset_source *src);

/* source_fd -- the descriptor behind the source (also for pmem2 sources) */
int source_fd(struct pmemset_source *src);

#endif /* PMEMSET_SOURCE_H */
