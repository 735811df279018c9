/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * header_c99.c -- compile-only: the public header alone is enough for a
 * strict C99 program (built with -std=c99 -pedantic, no _GNU_SOURCE),
 * including the macros that need <sys/stat.h> and <stdint.h>.
 */

#undef _GNU_SOURCE
#include <libpmemset.h>

uint64_t header_c99_flags(void);

uint64_t
header_c99_flags(void)
{
	struct pmemset_sds sds = PMEMSET_SDS_INITIALIZE();
	(void)sds;
	return PMEMSET_SOURCE_FILE_CREATE_VALID_FLAGS |
	       PMEMSET_SOURCE_FILE_CREATE_ALWAYS_MODE(0600);
}
