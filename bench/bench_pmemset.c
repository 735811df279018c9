/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_pmemset.c -- what libpmemset costs on top of libpmem2.
 *
 * Data path: pmemset_memcpy, pmemset_memset and pmemset_persist, on a set
 * without a callback and on a set with an empty C callback, against the
 * libpmem2 functions of a raw pmem2 mapping of the same file. Samples of
 * the three variants are interleaved (the order rotates every repetition)
 * and each figure is the median of the samples.
 *
 * Part-map registry: map, lookup (pmemset_part_map_by_address + drop),
 * iteration (first/next/drop) and remove_range with N parts, each part one
 * 4 KiB page of one file; map and remove are compared with
 * pmem2_map_new / pmem2_map_delete of the same pages.
 *
 * This is a benchmark, not a test: the targets in the closing summary are
 * reported, never asserted. See docs/benchmarks.md.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpmem2.h>
#include <libpmemset.h>

#include "bench_util.h"

#include "pmemset_ext.h"

#define KiB	       ((size_t)1 << 10)
#define MiB	       ((size_t)1 << 20)
#define PAGE	       ((size_t)4096)
#define DATA_FILE_SIZE (4 * MiB)
#define MAX_REPS       64
#define N_QUERIES      4096 /* random addresses a lookup sample cycles over */
#define RAW_LIVE_MAPS  1000 /* raw pmem2 maps alive at once, at most */
#define LOOKUP_SAMPLES 3    /* lookup and iteration samples per repetition */

struct options {
	bool quick;
	const char *dir;
	int reps;	  /* samples per figure (median taken) */
	double sample_ns; /* wanted length of one data-path sample */
	size_t parts[4];  /* registry sizes, 0-terminated */
};

static void
die(const char *what, int ret)
{
	fprintf(stderr, "bench_pmemset: %s failed (%d): %s\n", what, ret,
		ret <= -100000 && ret > -200000 ? pmem2_errormsg()
						: pmemset_errormsg());
	exit(1);
}

#define CHECK(call)                                                            \
	do {                                                                   \
		int check_ret_ = (call);                                       \
		if (check_ret_ != 0)                                           \
			die(#call, check_ret_);                                \
	} while (0)

/* --- scratch files --- */

/* scratch_file -- an unlinked-on-exit file of size bytes in dir */
static int
scratch_file(const char *dir, size_t size, char *path, size_t path_len)
{
	snprintf(path, path_len, "%s/pmemset-bench-%d-XXXXXX", dir,
		 (int)getpid());
	int fd = mkstemp(path);
	if (fd < 0) {
		fprintf(stderr,
			"bench_pmemset: cannot create a file in %s: %s\n", dir,
			strerror(errno));
		exit(1);
	}
	if (ftruncate(fd, (off_t)size) != 0) {
		fprintf(stderr, "bench_pmemset: ftruncate %s: %s\n", path,
			strerror(errno));
		exit(1);
	}
	return fd;
}

/* --- the sets and the raw mapping compared --- */

/* the empty C callback whose cost per event is measured */
__attribute__((noinline)) static int
empty_callback(struct pmemset *set, struct pmemset_event_context *ctx,
	       void *arg)
{
	(void)set;
	(void)ctx;
	(void)arg;
	return 0;
}

static struct pmemset *
new_set(bool callback, struct pmem2_vm_reservation *rsv)
{
	struct pmemset_config *cfg;
	struct pmemset *set;
	CHECK(pmemset_config_new(&cfg));
	CHECK(pmemset_config_set_required_store_granularity(
		cfg, PMEM2_GRANULARITY_PAGE));
	if (callback)
		pmemset_config_set_event_callback(cfg, empty_callback, NULL);
	if (rsv)
		pmemset_config_set_reservation(cfg, rsv);
	CHECK(pmemset_new(&set, cfg));
	CHECK(pmemset_config_delete(&cfg));
	return set;
}

static const char *
granularity_name(enum pmem2_granularity g)
{
	switch (g) {
	case PMEM2_GRANULARITY_BYTE:
		return "byte";
	case PMEM2_GRANULARITY_CACHE_LINE:
		return "cache_line";
	case PMEM2_GRANULARITY_PAGE:
		return "page";
	}
	return "?";
}

/* --- data path --- */

enum op { OP_MEMCPY, OP_MEMSET, OP_PERSIST };
static const char *const op_names[] = { "memcpy", "memset", "persist" };

struct dp_case {
	enum op op;
	size_t len;
	unsigned flags;
	int events; /* events one call fires on a set with a callback */
};

enum variant { V_RAW, V_NOCB, V_CB, N_VARIANTS };
static const char *const variant_names[] = { "raw pmem2", "no callback",
					     "empty C callback" };

/*
 * everything the data-path samples run against. Each variant maps the
 * whole file at the start of one caller reservation, one at a time, so all
 * three write the very same virtual addresses: on the machine this was
 * written on, two mappings of one file differed by up to 2x in copy and
 * flush cost, which swamped what is measured here. A set is created for
 * each sample and deleted after it, so the reservation never serves two
 * sets at once (contract §3.3).
 */
struct dp_env {
	int fd;
	char path[4096];
	struct pmem2_vm_reservation *rsv;
	char *base; /* where every variant maps the file */
	struct pmemset_source *src;
	struct pmem2_source *raw_src;
	struct pmem2_config *raw_cfg;
	void *srcbuf;

	/* the variant mapped now */
	struct pmemset *set;
	struct pmem2_map *raw;
	pmem2_memcpy_fn raw_memcpy;
	pmem2_memset_fn raw_memset;
	pmem2_persist_fn raw_persist;
};

/* dp_attach -- map the file for variant v, fault in touch bytes */
static void
dp_attach(struct dp_env *e, enum variant v, size_t touch)
{
	void *addr;
	if (v == V_RAW) {
		CHECK(pmem2_map_new(&e->raw, e->raw_cfg, e->raw_src));
		addr = pmem2_map_get_address(e->raw);
		e->raw_memcpy = pmem2_get_memcpy_fn(e->raw);
		e->raw_memset = pmem2_get_memset_fn(e->raw);
		e->raw_persist = pmem2_get_persist_fn(e->raw);
	} else {
		struct pmemset_part_descriptor desc;
		e->set = new_set(v == V_CB, e->rsv);
		CHECK(pmemset_map(e->set, e->src, NULL, &desc));
		addr = desc.addr;
	}
	if (addr != e->base) {
		fprintf(stderr, "bench_pmemset: %s mapped at %p, not %p\n",
			variant_names[v], addr, (void *)e->base);
		exit(1);
	}
	memset(e->base, 0, touch); /* page faults are not what is timed */
}

static void
dp_detach(struct dp_env *e, enum variant v)
{
	if (v == V_RAW)
		CHECK(pmem2_map_delete(&e->raw));
	else
		CHECK(pmemset_delete(&e->set));
}

/* one sample of iters calls; nanoseconds per call */
static double
dp_sample(const struct dp_env *e, const struct dp_case *c, enum variant v,
	  size_t iters)
{
	const size_t len = c->len;
	const unsigned flags = c->flags;
	uint64_t t0 = now_ns();
	if (v == V_RAW) {
		char *d = e->base;
		switch (c->op) {
		case OP_MEMCPY:
			for (size_t i = 0; i < iters; i++)
				e->raw_memcpy(d, e->srcbuf, len, flags);
			break;
		case OP_MEMSET:
			for (size_t i = 0; i < iters; i++)
				e->raw_memset(d, (int)i, len, flags);
			break;
		case OP_PERSIST:
			for (size_t i = 0; i < iters; i++)
				e->raw_persist(d, len);
			break;
		}
	} else {
		struct pmemset *set = e->set;
		char *d = e->base;
		switch (c->op) {
		case OP_MEMCPY:
			for (size_t i = 0; i < iters; i++)
				pmemset_memcpy(set, d, e->srcbuf, len, flags);
			break;
		case OP_MEMSET:
			for (size_t i = 0; i < iters; i++)
				pmemset_memset(set, d, (int)i, len, flags);
			break;
		case OP_PERSIST:
			for (size_t i = 0; i < iters; i++)
				pmemset_persist(set, d, len);
			break;
		}
	}
	return (double)(now_ns() - t0) / (double)iters;
}

static size_t
dp_touch(const struct dp_case *c)
{
	return (c->len + PAGE - 1) / PAGE * PAGE;
}

/* iterations that make one sample last about opt->sample_ns */
static size_t
dp_calibrate(struct dp_env *e, const struct dp_case *c,
	     const struct options *opt)
{
	dp_attach(e, V_RAW, dp_touch(c));
	size_t iters = 16;
	double per_call = dp_sample(e, c, V_RAW, iters);
	while (per_call * (double)iters < opt->sample_ns / 8 &&
	       iters < 1u << 30) {
		iters *= 4;
		per_call = dp_sample(e, c, V_RAW, iters);
	}
	dp_detach(e, V_RAW);
	double want = opt->sample_ns / (per_call > 0.1 ? per_call : 0.1);
	return want < 1 ? 1 : (size_t)want;
}

/* the result of one data-path case: median ns/op per variant */
struct dp_result {
	double ns[N_VARIANTS];
};

static struct dp_result
dp_measure(struct dp_env *e, const struct dp_case *c, const struct options *opt)
{
	size_t iters = dp_calibrate(e, c, opt);
	double samples[N_VARIANTS][MAX_REPS];
	for (int r = 0; r < opt->reps; r++) {
		/* rotate the order so no variant always runs first */
		for (int k = 0; k < N_VARIANTS; k++) {
			enum variant v = (enum variant)((r + k) % N_VARIANTS);
			dp_attach(e, v, dp_touch(c));
			dp_sample(e, c, v, iters / 16 + 1); /* warm up */
			samples[v][r] = dp_sample(e, c, v, iters);
			dp_detach(e, v);
		}
	}
	struct dp_result res;
	for (int v = 0; v < N_VARIANTS; v++)
		res.ns[v] = median(samples[v], opt->reps);
	return res;
}

static void
size_name(size_t len, char *buf, size_t buf_len)
{
	if (len >= MiB && len % MiB == 0)
		snprintf(buf, buf_len, "%zuMiB", len / MiB);
	else if (len >= KiB && len % KiB == 0)
		snprintf(buf, buf_len, "%zuKiB", len / KiB);
	else
		snprintf(buf, buf_len, "%zuB", len);
}

static void
flags_name(unsigned flags, char *buf, size_t buf_len)
{
	snprintf(buf, buf_len, "%s%s%s",
		 flags & PMEMSET_F_MEM_NOFLUSH ? "NOFLUSH" : "",
		 (flags & PMEMSET_F_MEM_NOFLUSH) &&
				 (flags & PMEMSET_F_MEM_NODRAIN)
			 ? "|"
			 : "",
		 flags & PMEMSET_F_MEM_NODRAIN ? "NODRAIN" : "");
	if (flags == 0)
		snprintf(buf, buf_len, "-");
}

static void
dp_print(const struct dp_case *c, const struct dp_result *r)
{
	char size[32], flags[32];
	size_name(c->len, size, sizeof(size));
	flags_name(c->flags, flags, sizeof(flags));
	double raw = r->ns[V_RAW];
	printf("%-8s %7s %-16s %-17s %10.1f ns/op %8.2f GB/s\n",
	       op_names[c->op], size, flags, variant_names[V_RAW], raw,
	       (double)c->len / raw);
	for (int v = V_NOCB; v < N_VARIANTS; v++) {
		double ns = r->ns[v];
		printf("%-8s %7s %-16s %-17s %10.1f ns/op %8.2f GB/s"
		       "  ratio %.3f  (%+.1f ns)",
		       op_names[c->op], size, flags, variant_names[v], ns,
		       (double)c->len / ns, raw / ns, ns - raw);
		if (v == V_CB)
			printf("  %.1f ns/event",
			       (ns - r->ns[V_NOCB]) / c->events);
		printf("\n");
	}
}

/* the targets of the closing summary */
struct targets {
	double min_ratio_4k; /* memcpy/memset >= 4 KiB, no callback */
	double wrapper_ns;   /* 64 B NOFLUSH|NODRAIN, over raw */
	double event_ns;     /* empty C callback, per event */
	double lookup_ns[3]; /* at 1,000, 10,000, 50,000 parts */
	double iterate_ns;   /* per part, at the largest size measured */
	size_t iterate_parts;
};

static void
dp_env_open(struct dp_env *e, const struct options *opt)
{
	memset(e, 0, sizeof(*e));
	e->fd = scratch_file(opt->dir, DATA_FILE_SIZE, e->path,
			     sizeof(e->path));
	CHECK(pmem2_vm_reservation_new(&e->rsv, NULL, DATA_FILE_SIZE));
	e->base = pmem2_vm_reservation_get_address(e->rsv);
	CHECK(pmemset_source_from_file(&e->src, e->path));
	CHECK(pmem2_source_from_fd(&e->raw_src, e->fd));
	CHECK(pmem2_config_new(&e->raw_cfg));
	CHECK(pmem2_config_set_required_store_granularity(
		e->raw_cfg, PMEM2_GRANULARITY_PAGE));
	CHECK(pmem2_config_set_vm_reservation(e->raw_cfg, e->rsv, 0));
	if (posix_memalign(&e->srcbuf, 4096, DATA_FILE_SIZE) != 0)
		die("posix_memalign", -ENOMEM);
	memset(e->srcbuf, 0xa5, DATA_FILE_SIZE);
}

static void
dp_env_close(struct dp_env *e)
{
	CHECK(pmem2_config_delete(&e->raw_cfg));
	CHECK(pmem2_source_delete(&e->raw_src));
	CHECK(pmemset_source_delete(&e->src));
	CHECK(pmem2_vm_reservation_delete(&e->rsv));
	free(e->srcbuf);
	close(e->fd);
	unlink(e->path);
}

static void
run_data_path(const struct options *opt, struct targets *t)
{
	static const struct dp_case cases[] = {
		{ OP_MEMCPY, 64, 0, 2 },
		{ OP_MEMCPY, 4 * KiB, 0, 2 },
		{ OP_MEMCPY, 1 * MiB, 0, 2 },
		{ OP_MEMSET, 64, 0, 2 },
		{ OP_MEMSET, 4 * KiB, 0, 2 },
		{ OP_MEMSET, 1 * MiB, 0, 2 },
		{ OP_PERSIST, 64, 0, 2 },
		{ OP_PERSIST, 4 * KiB, 0, 2 },
		{ OP_MEMCPY, 64, PMEMSET_F_MEM_NOFLUSH | PMEMSET_F_MEM_NODRAIN,
		  1 },
	};
	struct dp_env e;
	dp_env_open(&e, opt);

	enum pmem2_granularity g, raw_g;
	dp_attach(&e, V_NOCB, 0);
	CHECK(pmemset_get_store_granularity(e.set, &g));
	dp_detach(&e, V_NOCB);
	dp_attach(&e, V_RAW, 0);
	raw_g = pmem2_map_get_store_granularity(e.raw);
	dp_detach(&e, V_RAW);
	printf("# data path: %s, effective granularity %s (raw pmem2: %s), "
	       "median of %d interleaved samples of ~%.1f ms\n",
	       opt->dir, granularity_name(g), granularity_name(raw_g),
	       opt->reps, opt->sample_ns / 1e6);
	printf("%-8s %7s %-16s %-17s %16s %13s\n", "op", "size", "flags",
	       "variant", "time", "bandwidth");

	t->min_ratio_4k = 1e9;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct dp_case *c = &cases[i];
		struct dp_result r = dp_measure(&e, c, opt);
		dp_print(c, &r);
		if (c->op != OP_PERSIST && c->len >= 4 * KiB) {
			double ratio = r.ns[V_RAW] / r.ns[V_NOCB];
			if (ratio < t->min_ratio_4k)
				t->min_ratio_4k = ratio;
		}
		if (c->flags ==
		    (PMEMSET_F_MEM_NOFLUSH | PMEMSET_F_MEM_NODRAIN)) {
			t->wrapper_ns = r.ns[V_NOCB] - r.ns[V_RAW];
			t->event_ns = (r.ns[V_CB] - r.ns[V_NOCB]) / c->events;
		}
	}

	dp_env_close(&e);
}

/* --- part-map registry --- */

/* xorshift64 -- a fixed-seed generator, so every run asks the same */
static uint64_t
next_random(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

struct reg_env {
	size_t n;
	int fd;
	struct pmemset_source *src;
	struct pmem2_source *raw_src;
	struct pmemset_map_config *mcfg;
	struct pmem2_config *raw_cfg;
	char **addrs;		/* address of part i */
	struct pmem2_map **raw; /* raw maps of the pages */
	char **queries;		/* random addresses inside parts */
	uint64_t rnd;
};

/* pmemset_map of every page as its own part; ns per part */
static double
reg_map_all(struct reg_env *r, struct pmemset *set)
{
	struct pmemset_part_descriptor desc;
	uint64_t t0 = now_ns();
	for (size_t i = 0; i < r->n; i++) {
		CHECK(pmemset_map_config_set_offset(r->mcfg, i * PAGE));
		CHECK(pmemset_map(set, r->src, r->mcfg, &desc));
		r->addrs[i] = desc.addr;
	}
	return (double)(now_ns() - t0) / (double)r->n;
}

/*
 * pmem2_map_new of the same pages (then deleted); ns per part each. At
 * most RAW_LIVE_MAPS raw maps are alive at once: libpmem2 1.12 takes one
 * pthread key per map (PTHREAD_KEYS_MAX is 1024) and corrupts the keys
 * of the process beyond that (see docs/benchmarks.md).
 */
static void
reg_raw_map_delete(struct reg_env *r, double *map_ns, double *delete_ns)
{
	uint64_t map_total = 0, delete_total = 0;
	for (size_t first = 0; first < r->n; first += RAW_LIVE_MAPS) {
		size_t end = first + RAW_LIVE_MAPS < r->n
				     ? first + RAW_LIVE_MAPS
				     : r->n;
		uint64_t t0 = now_ns();
		for (size_t i = first; i < end; i++) {
			CHECK(pmem2_config_set_offset(r->raw_cfg, i * PAGE));
			CHECK(pmem2_map_new(&r->raw[i], r->raw_cfg,
					    r->raw_src));
		}
		uint64_t t1 = now_ns();
		for (size_t i = first; i < end; i++)
			CHECK(pmem2_map_delete(&r->raw[i]));
		uint64_t t2 = now_ns();
		map_total += t1 - t0;
		delete_total += t2 - t1;
	}
	*map_ns = (double)map_total / (double)r->n;
	*delete_ns = (double)delete_total / (double)r->n;
}

/* part_map_by_address + drop at random addresses; ns per lookup */
static double
reg_lookup(struct reg_env *r, struct pmemset *set, size_t iters)
{
	struct pmemset_part_map *pmap;
	uint64_t t0 = now_ns();
	for (size_t i = 0; i < iters; i++) {
		if (pmemset_part_map_by_address(set, &pmap,
						r->queries[i % N_QUERIES]) != 0)
			die("pmemset_part_map_by_address", -1);
		pmemset_part_map_drop(&pmap);
	}
	return (double)(now_ns() - t0) / (double)iters;
}

/* first/next/drop over every part map; ns per part */
static double
reg_iterate(struct reg_env *r, struct pmemset *set)
{
	struct pmemset_part_map *cur, *next;
	size_t count = 0;
	uint64_t t0 = now_ns();
	pmemset_first_part_map(set, &cur);
	while (cur) {
		pmemset_next_part_map(set, cur, &next);
		pmemset_part_map_drop(&cur);
		cur = next;
		count++;
	}
	uint64_t t1 = now_ns();
	if (count != r->n) {
		fprintf(stderr, "bench_pmemset: iterated %zu of %zu parts\n",
			count, r->n);
		exit(1);
	}
	return (double)(t1 - t0) / (double)r->n;
}

/* remove_range of every part, one page each, in random order */
static double
reg_remove_all(struct reg_env *r, struct pmemset *set)
{
	for (size_t i = r->n - 1; i > 0; i--) {
		size_t j = next_random(&r->rnd) % (i + 1);
		char *tmp = r->addrs[i];
		r->addrs[i] = r->addrs[j];
		r->addrs[j] = tmp;
	}
	uint64_t t0 = now_ns();
	for (size_t i = 0; i < r->n; i++)
		CHECK(pmemset_remove_range(set, r->addrs[i], PAGE));
	return (double)(now_ns() - t0) / (double)r->n;
}

static void
reg_env_open(struct reg_env *r, size_t n, const struct options *opt, char *path,
	     size_t path_len)
{
	memset(r, 0, sizeof(*r));
	r->n = n;
	r->rnd = 0x9e3779b97f4a7c15ull;
	r->fd = scratch_file(opt->dir, n * PAGE, path, path_len);
	CHECK(pmemset_source_from_file(&r->src, path));
	CHECK(pmem2_source_from_fd(&r->raw_src, r->fd));
	CHECK(pmemset_map_config_new(&r->mcfg));
	pmemset_map_config_set_length(r->mcfg, PAGE);
	CHECK(pmem2_config_new(&r->raw_cfg));
	CHECK(pmem2_config_set_required_store_granularity(
		r->raw_cfg, PMEM2_GRANULARITY_PAGE));
	CHECK(pmem2_config_set_length(r->raw_cfg, PAGE));
	r->addrs = calloc(n, sizeof(*r->addrs));
	r->raw = calloc(n, sizeof(*r->raw));
	r->queries = calloc(N_QUERIES, sizeof(*r->queries));
	if (!r->addrs || !r->raw || !r->queries)
		die("calloc", -ENOMEM);
}

static void
reg_env_close(struct reg_env *r, const char *path)
{
	CHECK(pmemset_map_config_delete(&r->mcfg));
	CHECK(pmem2_config_delete(&r->raw_cfg));
	CHECK(pmemset_source_delete(&r->src));
	CHECK(pmem2_source_delete(&r->raw_src));
	free(r->addrs);
	free(r->raw);
	free(r->queries);
	close(r->fd);
	unlink(path);
}

/* the mappings this process holds now */
static size_t
current_map_count(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	size_t n = 0;
	int c;
	if (!f)
		return 0;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static size_t
max_map_count(void)
{
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
	unsigned long v = 65530;
	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = 65530;
		fclose(f);
	}
	return v;
}

static void
reg_print(const char *what, size_t n, double ns, const char *unit,
	  const char *raw_what, double raw_ns)
{
	printf("%-14s %6zu parts %10.1f ns/%-6s", what, n, ns, unit);
	if (raw_what)
		printf("  %s %.1f ns  ratio %.3f", raw_what, raw_ns,
		       raw_ns / ns);
	printf("\n");
}

static void
run_registry(size_t n, const struct options *opt, struct targets *t)
{
	/* one mapping per part, and each may need a reservation beside it */
	size_t room = max_map_count() - current_map_count();
	if (n + 1000 > room) {
		printf("# %zu parts skipped: vm.max_map_count leaves room for "
		       "%zu mappings\n",
		       n, room);
		return;
	}

	struct reg_env r;
	char path[4096];
	reg_env_open(&r, n, opt, path, sizeof(path));
	/*
	 * Each map or remove sample already averages n calls of some 10 to
	 * 100 us; more repetitions of the large sizes would only make the
	 * run long (50,000 parts take about 15 s a round on a loaded 2-CPU
	 * machine). Lookup and iteration take LOOKUP_SAMPLES per repetition.
	 */
	int reps = n > 10000 ? 1 : opt->quick || n > 1000 ? 3 : 5;
	double map_ns[MAX_REPS], raw_map_ns[MAX_REPS], raw_del_ns[MAX_REPS];
	double remove_ns[MAX_REPS];
	double lookup_ns[MAX_REPS * LOOKUP_SAMPLES];
	double iter_ns[MAX_REPS * LOOKUP_SAMPLES];
	int ls = 0;
	size_t lookups = opt->quick ? 20000 : 100000;

	for (int rep = 0; rep < reps; rep++) {
		reg_raw_map_delete(&r, &raw_map_ns[rep], &raw_del_ns[rep]);

		struct pmemset *set = new_set(false, NULL);
		map_ns[rep] = reg_map_all(&r, set);
		if (pmemset_part_map_count(set) != n) {
			fprintf(stderr,
				"bench_pmemset: %zu part maps, not %zu\n",
				pmemset_part_map_count(set), n);
			exit(1);
		}
		for (size_t q = 0; q < N_QUERIES; q++)
			r.queries[q] = r.addrs[next_random(&r.rnd) % n] +
				       next_random(&r.rnd) % PAGE;
		reg_lookup(&r, set, N_QUERIES); /* warm up */
		for (int k = 0; k < LOOKUP_SAMPLES; k++, ls++) {
			lookup_ns[ls] = reg_lookup(&r, set, lookups);
			iter_ns[ls] = reg_iterate(&r, set);
		}
		remove_ns[rep] = reg_remove_all(&r, set);
		if (pmemset_part_map_count(set) != 0)
			die("remove_range of every part", -1);
		CHECK(pmemset_delete(&set));
	}

	double raw_map = median(raw_map_ns, reps);
	double raw_del = median(raw_del_ns, reps);
	double lookup = median(lookup_ns, ls);
	double iter = median(iter_ns, ls);
	reg_print("map", n, median(map_ns, reps), "part", "pmem2_map_new",
		  raw_map);
	reg_print("lookup", n, lookup, "op", NULL, 0);
	reg_print("iterate", n, iter, "part", NULL, 0);
	reg_print("remove_range", n, median(remove_ns, reps), "part",
		  "pmem2_map_delete", raw_del);

	if (n == 1000)
		t->lookup_ns[0] = lookup;
	else if (n == 10000)
		t->lookup_ns[1] = lookup;
	else if (n == 50000)
		t->lookup_ns[2] = lookup;
	if (n >= t->iterate_parts) {
		t->iterate_ns = iter;
		t->iterate_parts = n;
	}
	reg_env_close(&r, path);
}

/*
 * run_registry_child -- run_registry in a child process, so that a crash
 * (libpmem2 1.12 cannot hold more than about 1,020 maps safely) is
 * reported and the other sizes and the summary still come out
 */
static void
run_registry_child(size_t n, const struct options *opt, struct targets *t)
{
	int fds[2];
	if (pipe(fds) != 0)
		die("pipe", -errno);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		die("fork", -errno);
	if (pid == 0) {
		close(fds[0]);
		run_registry(n, opt, t);
		ssize_t w = write(fds[1], t, sizeof(*t));
		_exit(w == (ssize_t)sizeof(*t) ? 0 : 1);
	}
	close(fds[1]);
	struct targets child;
	ssize_t got = read(fds[0], &child, sizeof(child));
	close(fds[0]);
	int status;
	waitpid(pid, &status, 0);
	if (got == (ssize_t)sizeof(child) && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0) {
		*t = child;
	} else if (WIFSIGNALED(status)) {
		printf("# %zu parts: crashed (signal %d); libpmem2 1.12 breaks "
		       "beyond ~1,020 live maps, see docs/benchmarks.md\n",
		       n, WTERMSIG(status));
	} else {
		printf("# %zu parts: failed (exit status %d)\n", n,
		       WEXITSTATUS(status));
	}
}

/* --- summary --- */

static void
target_line(const char *what, bool measured, bool met, const char *fmt,
	    double value)
{
	char v[64] = "-";
	if (measured)
		snprintf(v, sizeof(v), fmt, value);
	printf("  %-52s %14s  %s\n", what, v,
	       !measured ? "not measured"
	       : met	 ? "met"
			 : "NOT MET");
}

static void
print_summary(const struct targets *t)
{
	printf("# targets (reported, not asserted)\n");
	target_line("memcpy/memset >= 4 KiB, no callback: >= 0.98 of raw", true,
		    t->min_ratio_4k >= 0.98, "min %.3f", t->min_ratio_4k);
	target_line("64 B NOFLUSH|NODRAIN: <= 1 ns over raw", true,
		    t->wrapper_ns <= 1.0, "%+.2f ns", t->wrapper_ns);
	target_line("empty C callback: <= 5 ns per event", true,
		    t->event_ns <= 5.0, "%.2f ns", t->event_ns);
	target_line("part_map_by_address at 50,000 parts: < 80 ns",
		    t->lookup_ns[2] > 0, t->lookup_ns[2] < 80, "%.1f ns",
		    t->lookup_ns[2]);
	target_line("lookup at 1,000 parts: < 40 ns", t->lookup_ns[0] > 0,
		    t->lookup_ns[0] < 40, "%.1f ns", t->lookup_ns[0]);
	target_line("lookup at 10,000 parts: < 60 ns", t->lookup_ns[1] > 0,
		    t->lookup_ns[1] < 60, "%.1f ns", t->lookup_ns[1]);
	char what[80];
	snprintf(what, sizeof(what), "iteration: < 15 ns per part (%zu parts)",
		 t->iterate_parts);
	target_line(what, t->iterate_parts > 0, t->iterate_ns < 15, "%.1f ns",
		    t->iterate_ns);
}

/* print_load -- other work on the machine shows in every figure */
static void
print_load(void)
{
	char line[128];
	FILE *f = fopen("/proc/loadavg", "r");
	if (!f)
		return;
	if (fgets(line, sizeof(line), f))
		printf("# %ld CPUs online, load average %s",
		       sysconf(_SC_NPROCESSORS_ONLN), line);
	fclose(f);
}

/* --- options --- */

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: bench_pmemset [--quick] [--dir DIR] [--reps N] "
		"[--parts N[,N...]]\n"
		"  --quick     smoke run of a few seconds (1,000 parts only)\n"
		"  --dir DIR   where the scratch files go (default /dev/shm)\n"
		"  --reps N    samples per data-path figure, median taken "
		"(default 21, >= 5)\n"
		"  --parts L   registry sizes (default 1000,10000,50000)\n"
		"PMEM2_FORCE_GRANULARITY=cache_line selects the second "
		"mode.\n");
}

static void
parse_parts(const char *s, struct options *opt)
{
	size_t k = 0;
	char *end;
	while (*s && k < 3) {
		unsigned long v = strtoul(s, &end, 10);
		if (end == s || v == 0) {
			usage(stderr);
			exit(2);
		}
		opt->parts[k++] = v;
		s = *end == ',' ? end + 1 : end;
	}
	opt->parts[k] = 0;
}

static void
parse_options(int argc, char **argv, struct options *opt)
{
	struct stat st;
	opt->quick = false;
	opt->dir = stat("/dev/shm", &st) == 0 ? "/dev/shm" : "/tmp";
	opt->reps = 21;
	opt->sample_ns = 2e6;
	opt->parts[0] = 1000;
	opt->parts[1] = 10000;
	opt->parts[2] = 50000;
	opt->parts[3] = 0;
	bool parts_given = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0) {
			opt->quick = true;
		} else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
			opt->dir = argv[++i];
		} else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
			opt->reps = atoi(argv[++i]);
		} else if (strcmp(argv[i], "--sample-ms") == 0 &&
			   i + 1 < argc) {
			opt->sample_ns = atof(argv[++i]) * 1e6;
		} else if (strcmp(argv[i], "--parts") == 0 && i + 1 < argc) {
			parse_parts(argv[++i], opt);
			parts_given = true;
		} else if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			exit(0);
		} else {
			usage(stderr);
			exit(2);
		}
	}
	if (opt->quick) {
		opt->sample_ns = 0.5e6;
		if (opt->reps == 21)
			opt->reps = 5;
		if (!parts_given) {
			opt->parts[0] = 1000;
			opt->parts[1] = 0;
		}
	}
	if (opt->reps < 5 || opt->reps > MAX_REPS) {
		fprintf(stderr, "bench_pmemset: --reps must be 5..%d\n",
			MAX_REPS);
		exit(2);
	}
}

int
main(int argc, char **argv)
{
	struct options opt;
	parse_options(argc, argv, &opt);
	setvbuf(stdout, NULL, _IOLBF, 0); /* lines survive a crash */
	const char *force = getenv("PMEM2_FORCE_GRANULARITY");
	printf("# bench_pmemset%s: PMEM2_FORCE_GRANULARITY=%s\n",
	       opt.quick ? " --quick" : "", force ? force : "(unset)");
	print_load();

	struct targets t;
	memset(&t, 0, sizeof(t));
	run_data_path(&opt, &t);
	printf("# part-map registry: %s, one 4 KiB page per part\n", opt.dir);
	for (int i = 0; opt.parts[i]; i++)
		run_registry_child(opt.parts[i], &opt, &t);
	print_summary(&t);
	return 0;
}
