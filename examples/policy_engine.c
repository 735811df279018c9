/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * policy_engine.c -- a small daemon embedding the Lua host: it maps a
 * layout, makes POLICY the policy of its set, and then handles a stream of
 * events, reporting every decision. SIGHUP reloads POLICY (as nginx and
 * HAProxy reload their configuration): pmemset_lua_reload_policy swaps it
 * between two events, or keeps the old one and says why.
 *
 * usage: policy-engine LAYOUT POLICY
 *
 * Each line of standard input is one request:
 *   set N      fill 64 bytes of the first part with the byte N (a "set"
 *              event, and the flush and drain that persist it)
 *   quit       stop (as does the end of the input)
 * Standard output gets one line per event ("event 12: set -> 0", or
 * "-> <code>: <message>" when the policy refused) and per reload
 * ("reload: ok" or "reload: failed: <why>"), line-buffered, after whatever
 * the policy prints itself.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpmemset.h>
#include <pmemset_lua.h>

static volatile sig_atomic_t reload_requested;

static void
on_sighup(int sig)
{
	(void)sig;
	reload_requested = 1;
}

struct engine {
	struct pmemset_lua *host;
	struct pmemset *set;
	const char *policy;
	unsigned long events;
};

/* the host calls this after every event, with the policy's result */
static void
report(struct pmemset *set, const struct pmemset_event_context *ctx, int result,
       void *arg)
{
	(void)set;
	struct engine *e = arg;
	const char *name = pmemset_lua_event_name(ctx->type);
	e->events++;
	if (result)
		printf("event %lu: %s -> %d: %s\n", e->events, name, result,
		       pmemset_lua_errormsg(e->host));
	else
		printf("event %lu: %s -> 0\n", e->events, name);
}

static void
reload(struct engine *e)
{
	reload_requested = 0;
	if (pmemset_lua_reload_policy(e->host, e->policy) == 0) {
		printf("reload: ok\n");
		return;
	}
	/* the first line: the rest is the traceback */
	const char *msg = pmemset_lua_errormsg(e->host);
	printf("reload: failed: %.*s\n", (int)strcspn(msg, "\n"), msg);
}

/* the first byte of the set's first part map */
static char *
first_part(struct pmemset *set)
{
	struct pmemset_part_map *pm = NULL;
	pmemset_first_part_map(set, &pm);
	if (!pm)
		return NULL;
	char *addr = pmemset_descriptor_part_map(pm).addr;
	pmemset_part_map_drop(&pm);
	return addr;
}

static int
serve(struct engine *e)
{
	char *part = first_part(e->set);
	if (!part) {
		fprintf(stderr, "policy-engine: the layout mapped nothing\n");
		return 1;
	}
	char line[256];
	while (fgets(line, sizeof(line), stdin)) {
		/* between two events: the whole next one sees the new policy */
		if (reload_requested)
			reload(e);
		int value;
		if (sscanf(line, "set %d", &value) == 1)
			pmemset_memset(e->set, part, value & 0xff, 64, 0);
		else if (strncmp(line, "quit", 4) == 0)
			break;
		else
			fprintf(stderr, "policy-engine: unknown request: %s",
				line);
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	if (argc != 3) {
		fprintf(stderr, "usage: policy-engine LAYOUT POLICY\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sighup;
	sa.sa_flags = SA_RESTART; /* a read in progress goes on */
	sigaction(SIGHUP, &sa, NULL);

	struct engine e = { .policy = argv[2] };
	if (pmemset_lua_new(&e.host, 0)) {
		fprintf(stderr, "policy-engine: cannot create the host\n");
		return 1;
	}
	int status = 1;
	if (pmemset_lua_map_layout(e.host, argv[1], &e.set) ||
	    pmemset_lua_reload_policy(e.host, e.policy)) {
		fprintf(stderr, "policy-engine: %s\n",
			pmemset_lua_errormsg(e.host));
	} else {
		pmemset_lua_set_event_observer(e.host, report, &e);
		printf("ready\n");
		status = serve(&e);
	}
	pmemset_lua_delete(&e.host);
	return status;
}
