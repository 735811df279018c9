/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * main.c -- pmemset-lua, the command-line host: runs Lua scripts with the
 * pmemset module available, and maps layout scripts to show the mappings
 * they produce.
 */

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lua.h>

#include <libpmemset.h>
#include <pmemset_lua.h>

#include "health.h"
#include "lpmemset.h"
#include "report.h"
#include "workbench.h"

#define PROGRAM "pmemset-lua"

/* exit statuses, as --help documents them */
enum { EXIT_OK = 0, EXIT_FAILURE_RUN = 1, EXIT_USAGE = 2 };

struct options {
	const char **chunks; /* -e code, in order */
	int nchunks;
	const char *layout;
	const char *emulate;
	int json;	 /* --format json */
	const char *svg; /* --svg FILE */
	int inventory;	 /* --inventory */
	int check;	 /* --check: the operands are files to check */
	unsigned flags;
	const char **allow; /* --allow DIR[:rw], in order */
	int nallow;
	struct pmemset_lua_limits limits; /* fields given on the command line */
	int has_instructions, has_timeout, has_memory;
	const char *health; /* --health LAYOUT (health.c) */
	const char *policy; /* --policy FILE, with --health */
	const char *script; /* NULL: none */
	int argc;	    /* the script's arguments */
	char **argv;
};

/*
 * The options: one row each (add a row and its handler to add one). arg
 * names the argument in --help, NULL for none. A handler returns 0, or
 * 1 to exit successfully now (--help), or -1 on bad usage.
 */
struct option_row {
	const char *name;
	int short_name; /* 0: long only */
	const char *arg;
	const char *help;
	int (*handle)(struct options *o, const char *arg);
};

static int opt_execute(struct options *o, const char *arg);
static int opt_layout(struct options *o, const char *arg);
static int opt_emulate(struct options *o, const char *arg);
static int opt_sandbox(struct options *o, const char *arg);
static int opt_allow(struct options *o, const char *arg);
static int opt_max_instructions(struct options *o, const char *arg);
static int opt_timeout(struct options *o, const char *arg);
static int opt_max_memory(struct options *o, const char *arg);
static int opt_check(struct options *o, const char *arg);
static int opt_format(struct options *o, const char *arg);
static int opt_svg(struct options *o, const char *arg);
static int opt_inventory(struct options *o, const char *arg);
static int opt_health(struct options *o, const char *arg);
static int opt_policy(struct options *o, const char *arg);
static int opt_help(struct options *o, const char *arg);
static int opt_version(struct options *o, const char *arg);

static const struct option_row option_table[] = {
	{ "execute", 'e', "CODE",
	  "run CODE (may be repeated; before the script)", opt_execute },
	{ "layout", 'l', "FILE",
	  "map the layout FILE and print its parts and events", opt_layout },
	{ "emulate", 0, "FILE",
	  "use the emulated devices described in FILE\n"
	  "                         (sets PMEMSET_EMULATE)",
	  opt_emulate },
	{ "sandbox", 0, NULL,
	  "allow-list interpreter for untrusted scripts\n"
	  "                         (see docs/host.md)",
	  opt_sandbox },
	{ "allow", 0, "DIR[:rw]",
	  "let the sandbox read (rw: also create and map)\n"
	  "                         under DIR; needs --sandbox",
	  opt_allow },
	{ "max-instructions", 0, "N",
	  "Lua instructions per entry into Lua (0: none)",
	  opt_max_instructions },
	{ "timeout", 0, "MS", "wall-clock milliseconds per entry (0: none)",
	  opt_timeout },
	{ "max-memory", 0, "SIZE",
	  "bytes the interpreter may hold (\"64M\"; 0: none)", opt_max_memory },
	{ "check", 0, NULL,
	  "check the layouts and policies given as operands,\n"
	  "                         creating and mapping nothing: one\n"
	  "                         \"file:line: path: message\" per problem",
	  opt_check },
	{ "format", 0, "FMT",
	  "text (default) or json: one JSON document\n"
	  "                         (docs/json.md) for --layout, "
	  "--inventory or --health",
	  opt_format },
	{ "svg", 0, "FILE", "with --layout: a picture of the address space",
	  opt_svg },
	{ "inventory", 0, NULL,
	  "list buses, DIMMs (health, unsafe-shutdown counts),\n"
	  "                         regions, namespaces; emulated ones "
	  "marked",
	  opt_inventory },
	{ "health", 0, "LAYOUT",
	  "print the health of LAYOUT's pools (maps nothing)", opt_health },
	{ "policy", 0, "FILE", "the health policy (with --health)",
	  opt_policy },
	{ "help", 'h', NULL, "print this help and exit", opt_help },
	{ "version", 'V', NULL, "print the version and exit", opt_version },
};

#define NOPTIONS (sizeof(option_table) / sizeof(option_table[0]))

static void
usage(FILE *out)
{
	fprintf(out, "usage: " PROGRAM " [options] [script [args...]]\n"
		     "Run Lua scripts with require \"pmemset\" available "
		     "(the script's arguments\n"
		     "are in arg, as with lua5.4; script - reads standard "
		     "input).\n\n");
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct option_row *r = &option_table[i];
		char left[64];
		snprintf(left, sizeof(left), "%c%c%s--%s%s%s",
			 r->short_name ? '-' : ' ',
			 r->short_name ? r->short_name : ' ',
			 r->short_name ? ", " : "  ", r->name,
			 r->arg ? " " : "", r->arg ? r->arg : "");
		fprintf(out, "  %-22s %s\n", left, r->help);
	}
	fprintf(out, "\n"
		     "The global table host tracks the set's state: "
		     "host.get(key),\n"
		     "host.keys(prefix), host.track(key, {\"add\", "
		     "\"modify\", ...}, fn).\n"
		     "Exit status:\n"
		     "  0  success\n"
		     "  1  a script, a layout or an event handler failed "
		     "(the message, with a\n"
		     "     traceback, is on standard error; a failed layout "
		     "prints no report)\n"
		     "  2  bad usage\n"
		     "With --check: 0 when every file is valid, 1 when a "
		     "problem was found.\n"
		     "With --health: 0 when a verdict was reached (any "
		     "colour), 1 when the health\n"
		     "cannot be determined.\n");
}

static int
opt_execute(struct options *o, const char *arg)
{
	o->chunks[o->nchunks++] = arg;
	return 0;
}

static int
opt_layout(struct options *o, const char *arg)
{
	o->layout = arg;
	return 0;
}

static int
opt_emulate(struct options *o, const char *arg)
{
	o->emulate = arg;
	return 0;
}

static int
opt_sandbox(struct options *o, const char *arg)
{
	(void)arg;
	o->flags |= PMEMSET_LUA_SANDBOX;
	return 0;
}

static int
opt_allow(struct options *o, const char *arg)
{
	o->allow[o->nallow++] = arg;
	return 0;
}

/* a limit: digits (with a unit for a size), by the one size parser */
static int
limit_value(const char *name, const char *arg, int size, uint64_t *v)
{
	size_t n;
	const char *why = lp_parse_size(arg, &n);
	if (!why && !size && arg[strspn(arg, "0123456789")] != '\0')
		why = "expected digits";
	if (why) {
		fprintf(stderr, PROGRAM ": --%s %s: %s\n", name, arg, why);
		return -1;
	}
	*v = n;
	return 0;
}

static int
opt_max_instructions(struct options *o, const char *arg)
{
	o->has_instructions = 1;
	return limit_value("max-instructions", arg, 0,
			   &o->limits.max_instructions);
}

static int
opt_timeout(struct options *o, const char *arg)
{
	o->has_timeout = 1;
	return limit_value("timeout", arg, 0, &o->limits.timeout_ms);
}

static int
opt_max_memory(struct options *o, const char *arg)
{
	uint64_t v = 0;
	o->has_memory = 1;
	int ret = limit_value("max-memory", arg, 1, &v);
	o->limits.max_memory = (size_t)v;
	return ret;
}

static int
opt_check(struct options *o, const char *arg)
{
	(void)arg;
	o->check = 1;
	return 0;
}

static int
opt_health(struct options *o, const char *arg)
{
	o->health = arg;
	return 0;
}

static int
opt_policy(struct options *o, const char *arg)
{
	o->policy = arg;
	return 0;
}

static int
opt_format(struct options *o, const char *arg)
{
	if (strcmp(arg, "text") != 0 && strcmp(arg, "json") != 0) {
		fprintf(stderr,
			PROGRAM
			": --format: expected text or json, got \"%s\"\n",
			arg);
		return -1;
	}
	o->json = strcmp(arg, "json") == 0;
	return 0;
}

static int
opt_svg(struct options *o, const char *arg)
{
	o->svg = arg;
	return 0;
}

static int
opt_inventory(struct options *o, const char *arg)
{
	(void)arg;
	o->inventory = 1;
	return 0;
}

static int
opt_help(struct options *o, const char *arg)
{
	(void)o, (void)arg;
	usage(stdout);
	return 1;
}

static int
opt_version(struct options *o, const char *arg)
{
	(void)o, (void)arg;
	printf(PROGRAM " %s (%s)\n", PMEMSET_VERSION, LUA_RELEASE);
	return 1;
}

/* getopt's tables from the option table; index = row + 256 */
static void
getopt_tables(struct option *longopts, char *shortopts)
{
	size_t n = 0;
	shortopts[n++] = '+'; /* the first operand is the script */
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct option_row *r = &option_table[i];
		longopts[i] = (struct option){ r->name,
					       r->arg ? required_argument
						      : no_argument,
					       NULL, (int)i + 256 };
		if (r->short_name) {
			shortopts[n++] = (char)r->short_name;
			if (r->arg)
				shortopts[n++] = ':';
		}
	}
	longopts[NOPTIONS] = (struct option){ NULL, 0, NULL, 0 };
	shortopts[n] = '\0';
}

static const struct option_row *
row_of(int c)
{
	if (c >= 256 && (size_t)(c - 256) < NOPTIONS)
		return &option_table[c - 256];
	for (size_t i = 0; i < NOPTIONS; i++)
		if (option_table[i].short_name == c)
			return &option_table[i];
	return NULL;
}

static int
bad_usage(const char *msg)
{
	fprintf(stderr, PROGRAM ": %s\n", msg);
	usage(stderr);
	return -1;
}

/* the options that make no sense together or alone: -1, else 0 */
static int
check_combination(const struct options *o)
{
	/* without the sandbox every file is reachable: a grant means nothing */
	if (o->nallow > 0 && !(o->flags & PMEMSET_LUA_SANDBOX))
		return bad_usage("--allow needs --sandbox");
	if (o->check && !o->script)
		return bad_usage("--check: no file to check");
	if (o->svg && !o->layout)
		return bad_usage("--svg: needs --layout");
	/* the workbench runs scripts outside the sandbox's limits */
	if ((o->flags & PMEMSET_LUA_SANDBOX) &&
	    (o->check || o->json || o->svg || o->inventory))
		return bad_usage(
			"--check, --format json, --svg and --inventory "
			"do not run in --sandbox");
	if (o->json && o->layout && o->inventory)
		return bad_usage("--format json prints one document: "
				 "--layout or --inventory, not both");
	if (o->policy && !o->health)
		return bad_usage("--policy: needs --health");
	if (o->health && (o->script || o->layout || o->nchunks || o->check ||
			  o->inventory || o->svg))
		return bad_usage("--health runs nothing else: no script, -e, "
				 "--layout, --check, --inventory or --svg");
	if (!o->script && !o->layout && o->nchunks == 0 && !o->inventory &&
	    !o->health)
		return bad_usage("nothing to run");
	return 0;
}

/* 0, 1 to exit successfully now, -1 on bad usage */
static int
parse_options(int argc, char *argv[], struct options *o)
{
	struct option longopts[NOPTIONS + 1];
	char shortopts[2 * NOPTIONS + 2];
	getopt_tables(longopts, shortopts);
	o->chunks = calloc((size_t)argc, sizeof(*o->chunks));
	o->allow = calloc((size_t)argc, sizeof(*o->allow));
	if (!o->chunks || !o->allow)
		return -1;
	int c;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const struct option_row *r = row_of(c);
		int ret = r ? r->handle(o, optarg) : -1;
		if (ret < 0)
			usage(stderr);
		if (ret)
			return ret;
	}
	if (optind < argc) {
		o->script = argv[optind];
		o->argc = argc - optind - 1;
		o->argv = argv + optind + 1;
	}
	return check_combination(o);
}

static int
fail(struct pmemset_lua *host)
{
	fprintf(stderr, PROGRAM ": %s\n", pmemset_lua_errormsg(host));
	return EXIT_FAILURE_RUN;
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
	int status = EXIT_OK;
	if (ret) {
		status = fail(host); /* only the error: nothing was mapped */
	} else if (report_handler_failed(r)) {
		fprintf(stderr, PROGRAM ": %s: an event handler failed\n",
			path);
		status = EXIT_FAILURE_RUN;
	}
	if (!ret && report_print(r, *set, stdout) != 0)
		status = EXIT_FAILURE_RUN;
	fflush(stdout);
	report_delete(&r);
	return status;
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

/* --check: the operands, and the layout of --layout (nothing mapped) */
static int
run_check(struct pmemset_lua *host, const struct options *o)
{
	const char **files = calloc((size_t)o->argc + 2, sizeof(*files));
	if (!files) {
		fprintf(stderr, PROGRAM ": out of memory\n");
		return EXIT_FAILURE_RUN;
	}
	int n = 0;
	if (o->layout)
		files[n++] = o->layout;
	files[n++] = o->script;
	for (int i = 0; i < o->argc; i++)
		files[n++] = o->argv[i];
	int status = workbench_call(host, "check", n, files, stdout);
	free(files);
	return status;
}

/*
 * --layout with --format json or --svg: mapped by pmemset.workbench, which
 * records the events and decisions for the document and the picture (the
 * set stays mapped in the interpreter for -e chunks and the script)
 */
static int
run_workbench_layout(struct pmemset_lua *host, const struct options *o)
{
	const char *args[] = { o->layout, o->json ? "json" : "text", o->svg };
	return workbench_call(host, "layout", 3, args, stdout);
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
		return EXIT_FAILURE_RUN;
	}
	if (o->health) {
		int hstatus = health_run(host, o->health, o->policy, o->json);
		pmemset_lua_delete(&host);
		return hstatus;
	}
	struct pmemset *set = NULL;
	int status = 0;
	if (o->check) {
		status = run_check(host, o);
		pmemset_lua_delete(&host);
		return status;
	}
	if (o->json)
		status = workbench_call(host, "json_mode", 0, NULL, stdout);
	if (o->inventory && !status) {
		const char *args[] = { o->json ? "json" : "text" };
		status = workbench_call(host, "inventory", 1, args, stdout);
	}
	if (o->layout && !status && (o->json || o->svg))
		status = run_workbench_layout(host, o);
	else if (o->layout && !status)
		status = run_layout(host, o->layout, &set);
	for (int i = 0; i < o->nchunks && !status; i++)
		if (pmemset_lua_run_string(host, o->chunks[i],
					   "=(command line)"))
			status = fail(host);
	if (o->script && !status &&
	    pmemset_lua_run_file(host, o->script, o->argc, o->argv))
		status = fail(host);
	pmemset_lua_delete_set(host, &set);
	if (o->layout && (o->json || o->svg))
		workbench_call(host, "close", 0, NULL, stdout);
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
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
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
