/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * health.h -- pmemset-lua --health (health.c): main.c's option table parses
 * the command line, health.c evaluates and prints.
 */

#ifndef PMEMSET_CLI_HEALTH_H
#define PMEMSET_CLI_HEALTH_H 1

struct pmemset_lua;

/*
 * health_run -- evaluate the health policy over the layout's pools in the
 * host's interpreter (sandbox, grants and limits as main.c configured
 * them) and print the verdict ("verdict: reason", or JSON when json is
 * non-zero) on standard output, everything the scripts print going to
 * standard error. Returns the exit status: 0 when a verdict was reached, 1
 * when the health cannot be determined.
 */
int health_run(struct pmemset_lua *host, const char *layout, const char *policy,
	       int json);

#endif /* PMEMSET_CLI_HEALTH_H */
