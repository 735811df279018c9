/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lp_embedded.h -- the pure-Lua files of lua/pmemset, embedded in the
 * binary by embed.cmake (generated lp_embedded.c in the build tree).
 */

#ifndef LP_EMBEDDED_H
#define LP_EMBEDDED_H 1

#include <stddef.h>

struct lp_chunk {
	const char *name;      /* module name: "pmemset.layout", "pmemset" */
	const char *chunkname; /* "@lua/pmemset/layout.lua" */
	const char *code;
	size_t len;
};

/* dependencies first, "pmemset" last; ends with a NULL name */
extern const struct lp_chunk lp_chunks[];

#endif /* LP_EMBEDDED_H */
