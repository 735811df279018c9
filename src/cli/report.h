/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * report.h -- what `pmemset-lua --layout` prints: the events seen while
 * mapping and the table of the parts mapped.
 */

#ifndef PMEMSET_CLI_REPORT_H
#define PMEMSET_CLI_REPORT_H 1

#include <stdio.h>

#include <pmemset_lua.h>

struct report;

struct report *report_new(struct pmemset_lua *host);
void report_delete(struct report **r);

/* the observer to register with pmemset_lua_set_event_observer */
void report_observe(struct pmemset *set,
		    const struct pmemset_event_context *ctx, int result,
		    void *arg);

/* did a handler raise (not refuse) while the report observed? */
int report_handler_failed(const struct report *r);

/*
 * prints the parts of set (a layout the host mapped) and the events seen;
 * 0, or non-zero when the report could not be made (message on stderr)
 */
int report_print(struct report *r, struct pmemset *set, FILE *out);

#endif /* report.h */
