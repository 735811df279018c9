/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_readers.c -- the part-map read path, three ways side by side:
 *
 *   floor   the index search and the reference taken and dropped, with no
 *           synchronisation at all: what any read path must cost
 *   rwlock  the read path as it was: the set's read lock around a search
 *           of the red-black tree (lookups through the index) and the
 *           reference
 *   seq     the library's lock-free path: pmemset_part_map_by_address,
 *           first/next, drop
 *
 * for lookups at uniformly random addresses (65,536 of them) and for
 * iteration, at 1,000 and 50,000 parts; then, at 1,000 parts, lookups per
 * second of one reader alone, of one reader while another thread maps and
 * removes a part in a loop (rwlock and seq), and of two readers (all
 * three: the floor's two readers show what the machine's cores give).
 *
 * Linked with the static library to reach the set's internals (the
 * rwlock and floor variants). A benchmark, not a test: targets are
 * reported, never asserted. usage: bench_readers [--quick] [--dir DIR]
 */

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpmemset.h>

#include "bench_util.h"
#include "index.h"
#include "pmemset_ext.h"
#include "set.h"

#define PAGE	  ((size_t)4096)
#define N_QUERIES 65536
#define REPS	  15

enum variant { FLOOR, RWLOCK, SEQ, N_VARIANTS };
static const char *const variant_name[] = { "floor", "rwlock", "seq" };

static void
die(const char *what, int ret)
{
	fprintf(stderr, "bench_readers: %s failed (%d): %s\n", what, ret,
		pmemset_errormsg());
	exit(1);
}

#define CHECK(call)                                                            \
	do {                                                                   \
		int check_ret_ = (call);                                       \
		if (check_ret_ != 0)                                           \
			die(#call, check_ret_);                                \
	} while (0)

struct env {
	struct pmemset *set;
	struct pmemset_source *src;
	size_t n;
	char **queries;
	char path[4096];
};

static uint64_t
next_random(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

/* n one-page parts of one file, and N_QUERIES addresses inside them */
static void
env_open(struct env *e, size_t n, const char *dir)
{
	memset(e, 0, sizeof(*e));
	e->n = n;
	snprintf(e->path, sizeof(e->path), "%s/pmemset-readers-%d", dir,
		 (int)getpid());
	CHECK(pmemset_source_from_temporary(&e->src, dir));
	struct pmemset_config *cfg;
	CHECK(pmemset_config_new(&cfg));
	CHECK(pmemset_config_set_required_store_granularity(
		cfg, PMEM2_GRANULARITY_PAGE));
	CHECK(pmemset_new(&e->set, cfg));
	CHECK(pmemset_config_delete(&cfg));
	struct pmemset_map_config *mc;
	CHECK(pmemset_map_config_new(&mc));
	pmemset_map_config_set_length(mc, PAGE);
	char **addrs = calloc(n, sizeof(*addrs));
	e->queries = calloc(N_QUERIES, sizeof(*e->queries));
	if (!addrs || !e->queries)
		die("calloc", -ENOMEM);
	for (size_t i = 0; i < n; i++) {
		struct pmemset_part_descriptor d;
		CHECK(pmemset_map_config_set_offset(mc, i * PAGE));
		CHECK(pmemset_map(e->set, e->src, mc, &d));
		addrs[i] = d.addr;
	}
	uint64_t rnd = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < N_QUERIES; i++)
		e->queries[i] =
			addrs[next_random(&rnd) % n] + next_random(&rnd) % PAGE;
	CHECK(pmemset_map_config_delete(&mc));
	free(addrs);
}

static void
env_close(struct env *e)
{
	CHECK(pmemset_delete(&e->set));
	CHECK(pmemset_source_delete(&e->src));
	free(e->queries);
}

/* --- the three read paths --- */

static struct pmemset_part_map *
lookup(struct pmemset *set, enum variant v, char *addr)
{
	struct pmemset_part_map *m = NULL;
	switch (v) {
	case FLOOR:
		if (index_floor(set, addr, &m))
			pmap_ref(m);
		else
			m = NULL;
		break;
	case RWLOCK:
		pthread_rwlock_rdlock(&set->lock);
		m = set_pmap_at(set, addr);
		if (m)
			pmap_ref(m);
		pthread_rwlock_unlock(&set->lock);
		break;
	default:
		if (pmemset_part_map_by_address(set, &m, addr) != 0)
			m = NULL;
	}
	return m;
}

static void
drop(struct pmemset_part_map *m)
{
	struct pmemset_part_map *p = m;
	pmemset_part_map_drop(&p);
}

/* ns per lookup over every query address */
static double
time_lookups(struct env *e, enum variant v)
{
	uint64_t t0 = now_ns();
	for (size_t i = 0; i < N_QUERIES; i++) {
		struct pmemset_part_map *m = lookup(e->set, v, e->queries[i]);
		if (m == NULL)
			die("lookup", -1);
		drop(m);
	}
	return (double)(now_ns() - t0) / N_QUERIES;
}

/* ns per part of one iteration over the set */
static double
time_iteration(struct env *e, enum variant v)
{
	struct pmemset *set = e->set;
	size_t count = 0;
	uint64_t t0 = now_ns();
	if (v == FLOOR) {
		struct pmemset_part_map *m;
		struct index_pos pos;
		index_floor_at(set, NULL, 1, &m, &pos);
		while (m) {
			pmap_ref(m);
			struct pmemset_part_map *cur = m;
			m = index_after(&pos);
			drop(cur);
			count++;
		}
	} else if (v == RWLOCK) {
		pthread_rwlock_rdlock(&set->lock);
		struct pmemset_part_map *m = RB_MIN(pmap_tree, &set->pmaps);
		pmap_ref(m);
		pthread_rwlock_unlock(&set->lock);
		while (m) {
			pthread_rwlock_rdlock(&set->lock);
			struct pmemset_part_map *next =
				RB_NEXT(pmap_tree, &set->pmaps, m);
			if (next)
				pmap_ref(next);
			pthread_rwlock_unlock(&set->lock);
			drop(m);
			m = next;
			count++;
		}
	} else {
		struct pmemset_part_map *m, *next;
		pmemset_first_part_map(set, &m);
		while (m) {
			pmemset_next_part_map(set, m, &next);
			pmemset_part_map_drop(&m);
			m = next;
			count++;
		}
	}
	double ns = (double)(now_ns() - t0) / (double)e->n;
	if (count != e->n)
		die("iteration count", -1);
	return ns;
}

/* --- concurrency --- */

struct thread_arg {
	struct env *e;
	enum variant v;
	atomic_bool *stop;
	uint64_t done;
};

static void *
reader(void *p)
{
	struct thread_arg *a = p;
	size_t i = 0;
	while (!atomic_load_explicit(a->stop, memory_order_relaxed)) {
		struct pmemset_part_map *m =
			lookup(a->e->set, a->v, a->e->queries[i % N_QUERIES]);
		if (m == NULL)
			die("lookup", -1);
		drop(m);
		i++;
	}
	a->done = i;
	return NULL;
}

/* maps and removes one more part in a loop */
static void *
writer(void *p)
{
	struct thread_arg *a = p;
	struct pmemset_map_config *mc;
	CHECK(pmemset_map_config_new(&mc));
	pmemset_map_config_set_length(mc, PAGE);
	while (!atomic_load_explicit(a->stop, memory_order_relaxed)) {
		struct pmemset_part_descriptor d;
		CHECK(pmemset_map(a->e->set, a->e->src, mc, &d));
		CHECK(pmemset_remove_range(a->e->set, d.addr, PAGE));
		a->done++;
	}
	CHECK(pmemset_map_config_delete(&mc));
	return NULL;
}

/* lookups per second of the readers together while `writers` run */
static double
throughput(struct env *e, enum variant v, int readers, int writers, int ms)
{
	atomic_bool stop = false;
	pthread_t t[4];
	struct thread_arg a[4];
	int n = readers + writers;
	for (int i = 0; i < n; i++) {
		a[i] = (struct thread_arg){ e, v, &stop, 0 };
		if (pthread_create(&t[i], NULL, i < readers ? reader : writer,
				   &a[i]) != 0)
			die("pthread_create", -1);
	}
	uint64_t t0 = now_ns();
	usleep((useconds_t)ms * 1000);
	atomic_store(&stop, true);
	uint64_t lookups = 0;
	for (int i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		if (i < readers)
			lookups += a[i].done;
	}
	return (double)lookups * 1e9 / (double)(now_ns() - t0);
}

/* --- report --- */

static void
run_single(size_t n, const char *dir, bool quick)
{
	struct env e;
	env_open(&e, n, dir);
	double look[N_VARIANTS][REPS], iter[N_VARIANTS][REPS];
	int reps = quick ? 3 : REPS;
	for (int r = 0; r < reps; r++)
		for (int v = 0; v < N_VARIANTS; v++) {
			int vv = (v + r) % N_VARIANTS; /* rotate the order */
			look[vv][r] = time_lookups(&e, (enum variant)vv);
			iter[vv][r] = time_iteration(&e, (enum variant)vv);
		}
	for (int v = 0; v < N_VARIANTS; v++) {
		double med = median(look[v], reps), min = look[v][0];
		printf("lookup   %6zu parts  %-6s %7.1f ns/op   (min %.1f)\n",
		       n, variant_name[v], med, min);
	}
	for (int v = 0; v < N_VARIANTS; v++) {
		double med = median(iter[v], reps), min = iter[v][0];
		printf("iterate  %6zu parts  %-6s %7.1f ns/part (min %.1f)\n",
		       n, variant_name[v], med, min);
	}
	/* medians are sorted by now; the ratio holds when the machine's
	 * speed moves between runs, which the absolute figures do not */
	printf("seq/floor %5zu parts  lookup %.2f, iterate %.2f\n", n,
	       median(look[SEQ], reps) / median(look[FLOOR], reps),
	       median(iter[SEQ], reps) / median(iter[FLOOR], reps));
	env_close(&e);
}

/*
 * the three configurations in short windows, interleaved, REPS times: the
 * ratio of each window pair is taken, then the median of the ratios, so a
 * burst of load from elsewhere hits both sides of a ratio alike
 */
static void
run_concurrent(const char *dir, bool quick)
{
	struct env e;
	env_open(&e, 1000, dir);
	int ms = quick ? 20 : 100;
	int reps = quick ? 3 : REPS;
	for (int v = FLOOR; v <= SEQ; v++) {
		/* the floor does not synchronise: no writer may run with it */
		bool with_writer = v != FLOOR;
		double alone[REPS], writer_ratio[REPS], two_ratio[REPS];
		for (int r = 0; r < reps; r++) {
			alone[r] = throughput(&e, (enum variant)v, 1, 0, ms);
			writer_ratio[r] =
				with_writer ? throughput(&e, (enum variant)v, 1,
							 1, ms) /
						      alone[r]
					    : 0;
			two_ratio[r] =
				throughput(&e, (enum variant)v, 2, 0, ms) /
				alone[r];
		}
		double a = median(alone, reps);
		double w = median(writer_ratio, reps);
		double t = median(two_ratio, reps);
		printf("readers   1000 parts  %-6s one alone %.2f M/s, ",
		       variant_name[v], a / 1e6);
		if (with_writer)
			printf("with a writer %.3f of it, ", w);
		printf("two readers %.3f of it\n", t);
	}
	env_close(&e);
}

int
main(int argc, char **argv)
{
	bool quick = false;
	const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0)
			quick = true;
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else {
			fprintf(stderr,
				"usage: bench_readers [--quick] [--dir DIR]\n");
			return 2;
		}
	}
	printf("# part-map read path: floor (no synchronisation), rwlock "
	       "(as it was), seq (the library's); %d random addresses\n",
	       N_QUERIES);
	run_single(1000, dir, quick);
	if (!quick)
		run_single(50000, dir, quick);
	run_concurrent(dir, quick);
	printf("# targets: 1,000 parts iterate <= 8 ns/part, lookup <= 20 ns; "
	       "50,000 parts lookup <= 70 ns; with a writer >= 0.5, two "
	       "readers >= 1.3\n");
	return 0;
}
