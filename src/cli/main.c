/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * main.c -- pmemset-lua, the command-line host: runs Lua scripts with the
 * pmemset module available, and maps layout scripts to show the mappings
 * they produce.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lua.h>

#include <libpmemset.h>
#include <pmemset_lua.h>

#include "lpmemset.h"
#include "report.h"

#define PROGRAM "pmemset-lua"

struct options {
	const char **chunks; /* -e code, in order */
	int nchunks;
	const char *layout;
	const char *emulate;
	unsigned flags;
	const char **allow; /* --allow DIR[:rw], in order */
	int nallow;
	struct pmemset_lua_limits limits; /* fields given on the command line */
	int has_instructions, has_timeout, has_memory;
	const char *script; /* NULL: none */
	int argc;	    /* the script's arguments */
	char **argv;
};

static void
usage(FILE *out)
{
	fprintf(out, "usage: " PROGRAM " [options] [script [args...]]\n"
		     "Run Lua scripts with require \"pmemset\" available "
		     "(the script's arguments\n"
		     "are in arg, as with lua5.4; script - reads standard "
		     "input).\n"
		     "\n"
		     "  -e, --execute CODE   run CODE (may be repeated; "
		     "before the script)\n"
		     "  -l, --layout FILE    map the layout FILE and print "
		     "its parts and events\n"
		     "      --emulate FILE   use the emulated devices "
		     "described in FILE\n"
		     "                       (sets PMEMSET_EMULATE before "
		     "anything is mapped)\n"
		     "      --sandbox        allow-list interpreter for "
		     "untrusted scripts\n"
		     "      --allow DIR[:rw] let the sandbox read (rw: also "
		     "create and map) under DIR\n"
		     "      --max-instructions N  Lua instructions per "
		     "entry (0: none)\n"
		     "      --timeout MS     wall-clock milliseconds per "
		     "entry (0: none)\n"
		     "      --max-memory SIZE  bytes the interpreter may "
		     "hold (\"64M\"; 0: none)\n"
		     "  -h, --help           print this help and exit\n"
		     "  -V, --version        print the version and exit\n"
		     "\n"
		     "The global table host tracks the set's state: "
		     "host.get(key),\n"
		     "host.keys(prefix), host.track(key, {\"add\", "
		     "\"modify\", ...}, fn).\n"
		     "Exit status: 0 on success, 1 when a script, layout "
		     "or mapping fails\n"
		     "(a traceback is printed), 2 on bad usage.\n");
}

/* --max-instructions (which 0), --timeout (1), --max-memory (2) */
static int
limit_option(struct options *o, int which, const char *arg)
{
	static const char *const names[] = { "--max-instructions", "--timeout",
					     "--max-memory" };
	size_t v;
	const char *why = lp_parse_size(arg, &v);
	if (!why && which < 2 && arg[strspn(arg, "0123456789")] != '\0')
		why = "expected digits";
	if (why) {
		fprintf(stderr, PROGRAM ": %s %s: %s\n", names[which], arg,
			why);
		return -1;
	}
	if (which == 0) {
		o->limits.max_instructions = v;
		o->has_instructions = 1;
	} else if (which == 1) {
		o->limits.timeout_ms = v;
		o->has_timeout = 1;
	} else {
		o->limits.max_memory = v;
		o->has_memory = 1;
	}
	return 0;
}

/* 0, 1 to exit successfully now, -1 on bad usage */
static int
parse_options(int argc, char *argv[], struct options *o)
{
	enum {
		OPT_EMULATE = 256,
		OPT_SANDBOX,
		OPT_ALLOW,
		OPT_MAX_INSTRUCTIONS,
		OPT_TIMEOUT,
		OPT_MAX_MEMORY,
	};
	static const struct option longopts[] = {
		{ "execute", required_argument, NULL, 'e' },
		{ "layout", required_argument, NULL, 'l' },
		{ "emulate", required_argument, NULL, OPT_EMULATE },
		{ "sandbox", no_argument, NULL, OPT_SANDBOX },
		{ "allow", required_argument, NULL, OPT_ALLOW },
		{ "max-instructions", required_argument, NULL,
		  OPT_MAX_INSTRUCTIONS },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "max-memory", required_argument, NULL, OPT_MAX_MEMORY },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	o->chunks = calloc((size_t)argc, sizeof(*o->chunks));
	o->allow = calloc((size_t)argc, sizeof(*o->allow));
	if (!o->chunks || !o->allow)
		return -1;
	int c;
	/* "+": the first operand is the script; what follows is its own */
	while ((c = getopt_long(argc, argv, "+e:l:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'e':
			o->chunks[o->nchunks++] = optarg;
			break;
		case 'l':
			o->layout = optarg;
			break;
		case OPT_EMULATE:
			o->emulate = optarg;
			break;
		case OPT_SANDBOX:
			o->flags |= PMEMSET_LUA_SANDBOX;
			break;
		case OPT_ALLOW:
			o->allow[o->nallow++] = optarg;
			break;
		case OPT_MAX_INSTRUCTIONS:
		case OPT_TIMEOUT:
		case OPT_MAX_MEMORY:
			if (limit_option(o, c - OPT_MAX_INSTRUCTIONS, optarg))
				return -1;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			printf(PROGRAM " %s (%s)\n", PMEMSET_VERSION,
			       LUA_RELEASE);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		o->script = argv[optind];
		o->argc = argc - optind - 1;
		o->argv = argv + optind + 1;
	}
	if (!o->script && !o->layout && o->nchunks == 0) {
		fprintf(stderr, PROGRAM ": nothing to run\n");
		usage(stderr);
		return -1;
	}
	return 0;
}

static int
fail(struct pmemset_lua *host)
{
	fprintf(stderr, PROGRAM ": %s\n", pmemset_lua_errormsg(host));
	return 1;
}

/* maps the layout, prints the report; the set stays mapped for scripts */
static int
run_layout(struct pmemset_lua *host, const char *path, struct pmemset **set)
{
	struct report *r = report_new(host);
	if (!r) {
		fprintf(stderr, PROGRAM ": out of memory\n");
		return 1;
	}
	pmemset_lua_set_event_observer(host, report_observe, r);
	int ret = pmemset_lua_map_layout(host, path, set);
	pmemset_lua_set_event_observer(host, NULL, NULL);
	/* the message first: the report's lookups may replace it */
	if (ret)
		fail(host);
	report_print(r, *set, stdout);
	fflush(stdout);
	report_delete(&r);
	return ret ? 1 : 0;
}

/* --allow and the limits given, over the host's defaults */
static int
configure(struct pmemset_lua *host, const struct options *o)
{
	for (int i = 0; i < o->nallow; i++) {
		char dir[4096];
		const char *a = o->allow[i];
		size_t len = strlen(a);
		unsigned flags = PMEMSET_LUA_ALLOW_READ;
		if (len > 3 && strcmp(a + len - 3, ":rw") == 0) {
			flags |= PMEMSET_LUA_ALLOW_CREATE;
			len -= 3;
		}
		if (len >= sizeof(dir)) {
			fprintf(stderr, PROGRAM ": --allow %s: too long\n", a);
			return 1;
		}
		memcpy(dir, a, len);
		dir[len] = '\0';
		if (pmemset_lua_allow_path(host, dir, flags))
			return fail(host);
	}
	struct pmemset_lua_limits l;
	pmemset_lua_get_limits(host, &l);
	if (o->has_instructions)
		l.max_instructions = o->limits.max_instructions;
	if (o->has_timeout)
		l.timeout_ms = o->limits.timeout_ms;
	if (o->has_memory)
		l.max_memory = o->limits.max_memory;
	return pmemset_lua_set_limits(host, &l) ? fail(host) : 0;
}

static int
run(struct options *o)
{
	struct pmemset_lua *host;
	int ret = pmemset_lua_new(&host, o->flags);
	if (ret) {
		fprintf(stderr, PROGRAM ": cannot create the host: %s\n",
			strerror(-ret));
		return 1;
	}
	if (configure(host, o)) {
		pmemset_lua_delete(&host);
		return 1;
	}
	struct pmemset *set = NULL;
	int status = 0;
	if (o->layout)
		status = run_layout(host, o->layout, &set);
	for (int i = 0; i < o->nchunks && !status; i++)
		if (pmemset_lua_run_string(host, o->chunks[i],
					   "=(command line)"))
			status = fail(host);
	if (o->script && !status &&
	    pmemset_lua_run_file(host, o->script, o->argc, o->argv))
		status = fail(host);
	pmemset_lua_delete_set(host, &set);
	pmemset_lua_delete(&host);
	return status;
}

int
main(int argc, char *argv[])
{
	struct options o = { 0 };
	int ret = parse_options(argc, argv, &o);
	if (ret) {
		free(o.chunks);
		free(o.allow);
		return ret > 0 ? 0 : 2;
	}
	/* before the host exists: the device layer reads it at first use */
	if (o.emulate && setenv("PMEMSET_EMULATE", o.emulate, 1) != 0) {
		perror(PROGRAM ": setenv");
		free(o.chunks);
		free(o.allow);
		return 1;
	}
	int status = run(&o);
	free(o.chunks);
	free(o.allow);
	return status;
}
