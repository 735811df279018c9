/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * main.c -- pmemset-lua, the command-line host: runs Lua scripts with the
 * pmemset module available, and maps layout scripts to show the mappings
 * they produce.
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lua.h>

#include <libpmemset.h>
#include <pmemset_lua.h>

#include "health.h"
#include "report.h"

#define PROGRAM "pmemset-lua"

struct options {
	const char **chunks; /* -e code, in order */
	int nchunks;
	const char *layout;
	const char *emulate;
	unsigned flags;
	const char *script; /* NULL: none */
	int argc;	    /* the script's arguments */
	char **argv;
};

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: " PROGRAM " [options] [script [args...]]\n"
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
		"      --sandbox        no os.execute, io.popen, "
		"loadlib, os.remove, ...\n"
		"      --health LAYOUT  print the health of LAYOUT's "
		"pools\n"
		"      --policy FILE, --format text|json   (with --health)\n"
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

/* 0, 1 to exit successfully now, -1 on bad usage */
static int
parse_options(int argc, char *argv[], struct options *o)
{
	enum { OPT_EMULATE = 256, OPT_SANDBOX };
	static const struct option longopts[] = {
		{ "execute", required_argument, NULL, 'e' },
		{ "layout", required_argument, NULL, 'l' },
		{ "emulate", required_argument, NULL, OPT_EMULATE },
		{ "sandbox", no_argument, NULL, OPT_SANDBOX },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	o->chunks = calloc((size_t)argc, sizeof(*o->chunks));
	if (!o->chunks)
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
	if (health_wanted(argc, argv))
		return health_main(argc, argv);
	struct options o = { 0 };
	int ret = parse_options(argc, argv, &o);
	if (ret) {
		free(o.chunks);
		return ret > 0 ? 0 : 2;
	}
	/* before the host exists: the device layer reads it at first use */
	if (o.emulate && setenv("PMEMSET_EMULATE", o.emulate, 1) != 0) {
		perror(PROGRAM ": setenv");
		free(o.chunks);
		return 1;
	}
	int status = run(&o);
	free(o.chunks);
	return status;
}
