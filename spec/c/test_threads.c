/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_threads.c -- lookups and iteration from several threads while other
 * threads map and remove parts of the same set (contract §3.17, §3.5).
 *
 * A reader holding a reference may read the part map's memory: removal of
 * a referenced part map must fail, so the memory cannot vanish under it.
 * The second scenario adds coalescing writers racing for the same anchor,
 * middle splits, deep flushes, descriptors and counts. scripts/tsan.sh runs
 * this program under ThreadSanitizer.
 */

#include <pthread.h>
#include <stdatomic.h>

#include <pmemset_ext.h>

#include "ut_core.h"

#define NREADERS 4
#define NWRITERS 2
#define CYCLES	 1000
#define KEEP	 16 /* parts each writer keeps mapped at most */

static struct pmemset *Set;
static struct pmemset_source *Src;
static size_t Pg;
static atomic_int Writers_left = NWRITERS;
static atomic_long Blocked; /* removals refused because of a reference */

/* every byte of every part is 'T': check one through a held reference */
static void
check_part_map(struct pmemset_part_map *p, void *addr)
{
	struct pmemset_part_descriptor d = pmemset_descriptor_part_map(p);
	UT_ASSERT(d.size >= Pg && d.size % Pg == 0);
	if (addr) {
		UT_ASSERT((char *)addr >= (char *)d.addr);
		UT_ASSERT((char *)addr < (char *)d.addr + d.size);
	}
	UT_ASSERTeq(((volatile char *)d.addr)[d.size - 1], 'T');
}

static void
iterate_once(void)
{
	struct pmemset_part_map *p, *next;
	char *end = NULL;
	pmemset_first_part_map(Set, &p);
	while (p) {
		check_part_map(p, NULL);
		struct pmemset_part_descriptor d =
			pmemset_descriptor_part_map(p);
		UT_ASSERT((char *)d.addr >= end); /* ascending, disjoint */
		end = (char *)d.addr + d.size;
		pmemset_next_part_map(Set, p, &next);
		pmemset_part_map_drop(&p);
		p = next;
	}
}

static void *
reader(void *arg)
{
	(void)arg;
	unsigned seed = (unsigned)(uintptr_t)&seed;
	while (atomic_load(&Writers_left) > 0) {
		iterate_once();
		/* look up the first part map's addresses and around them */
		struct pmemset_part_map *first;
		pmemset_first_part_map(Set, &first);
		if (!first)
			continue;
		char *a = pmemset_descriptor_part_map(first).addr;
		for (int i = 0; i < 8; i++) {
			char *x = a + (size_t)(rand_r(&seed) % 64) * Pg;
			struct pmemset_part_map *p;
			int ret = pmemset_part_map_by_address(Set, &p, x);
			if (ret == 0) {
				check_part_map(p, x);
				pmemset_part_map_drop(&p);
			} else {
				UT_ASSERTeq(ret,
					    PMEMSET_E_CANNOT_FIND_PART_MAP);
				UT_ASSERT(p == NULL);
			}
		}
		pmemset_part_map_drop(&first);
		sched_yield();
	}
	return NULL;
}

/* remove the part at addr, retrying while readers hold references */
static void
remove_part(char *addr, int whole)
{
	for (;;) {
		int ret;
		if (whole) {
			struct pmemset_part_map *p = ut_pmap(Set, addr);
			ret = pmemset_remove_part_map(Set, &p);
			if (ret)
				pmemset_part_map_drop(&p);
		} else {
			ret = pmemset_remove_range(Set, addr, 1);
		}
		if (ret == 0)
			return;
		UT_ASSERTeq(ret, PMEMSET_E_PART_MAP_POSSIBLE_USE_AFTER_DROP);
		atomic_fetch_add(&Blocked, 1);
		sched_yield();
	}
}

static void *
writer(void *arg)
{
	long *left = arg;
	char *kept[KEEP];
	int n = 0;
	unsigned seed = (unsigned)(uintptr_t)&seed;
	for (int c = 0; c < CYCLES; c++) {
		if (n < KEEP && (n == 0 || rand_r(&seed) % 2)) {
			size_t len = (1 + (size_t)(rand_r(&seed) % 4)) * Pg;
			kept[n++] = ut_map(Set, Src, 0, len);
			continue;
		}
		int i = (int)(rand_r(&seed) % (unsigned)n);
		remove_part(kept[i], c % 2);
		kept[i] = kept[--n];
	}
	*left = n;
	atomic_fetch_sub(&Writers_left, 1);
	return NULL;
}

static void
readers_and_writers(void)
{
	pthread_t r[NREADERS], w[NWRITERS];
	long left[NWRITERS];
	for (int i = 0; i < NREADERS; i++)
		UT_ASSERTeq(pthread_create(&r[i], NULL, reader, NULL), 0);
	for (int i = 0; i < NWRITERS; i++)
		UT_ASSERTeq(pthread_create(&w[i], NULL, writer, &left[i]), 0);
	for (int i = 0; i < NWRITERS; i++)
		UT_ASSERTeq(pthread_join(w[i], NULL), 0);
	for (int i = 0; i < NREADERS; i++)
		UT_ASSERTeq(pthread_join(r[i], NULL), 0);

	/* what the writers kept is exactly what the set holds */
	long parts = 0;
	struct pmemset_part_map *p, *next;
	pmemset_first_part_map(Set, &p);
	while (p) {
		parts++;
		pmemset_next_part_map(Set, p, &next);
		pmemset_part_map_drop(&p);
		p = next;
	}
	UT_ASSERTeq(parts, left[0] + left[1]);
	fprintf(stderr, "    %ld removals waited for a reference\n",
		(long)atomic_load(&Blocked));
}

/* --- coalescing churn --- */

#define CO_WRITERS 2
#define CO_CYCLES  300

static struct pmemset *Co_set;
static atomic_int Co_writers_left;

/* remove_range of [addr, addr+len), retrying while a reader holds a ref */
static void
co_remove(char *addr, size_t len)
{
	int ret;
	while ((ret = pmemset_remove_range(Co_set, addr, len)) != 0) {
		UT_ASSERTeq(ret, PMEMSET_E_PART_MAP_POSSIBLE_USE_AFTER_DROP);
		sched_yield();
	}
}

/*
 * co_writer -- three one-page parts, usually coalesced with each other or
 * with the other writer's (both race for the anchor); then the middle one
 * goes (a split when they were coalesced), then the other two
 */
static void *
co_writer(void *arg)
{
	(void)arg;
	for (int c = 0; c < CO_CYCLES; c++) {
		char *a[3];
		for (int i = 0; i < 3; i++) {
			/* the descriptor is the part map's: the part ends it */
			struct pmemset_part_descriptor d;
			UT_OK(ut_map_range(Co_set, Src, (size_t)i * Pg, Pg,
					   &d));
			a[i] = (char *)d.addr + d.size - Pg;
		}
		for (int i = 0; i < 3; i++)
			UT_ASSERTeq(a[i][0], 'T');
		co_remove(a[1], Pg);
		co_remove(a[0], Pg);
		co_remove(a[2], Pg);
	}
	atomic_fetch_sub(&Co_writers_left, 1);
	return NULL;
}

/* co_reader -- iteration, descriptors, lookups of what it iterated, count */
static void *
co_reader(void *arg)
{
	(void)arg;
	while (atomic_load(&Co_writers_left) > 0) {
		struct pmemset_part_map *p, *next;
		char *end = NULL;
		pmemset_first_part_map(Co_set, &p);
		while (p) {
			struct pmemset_part_descriptor d =
				pmemset_descriptor_part_map(p);
			UT_ASSERT((char *)d.addr >= end);
			UT_ASSERT(d.size >= Pg && d.size % Pg == 0);
			UT_ASSERTeq(((volatile char *)d.addr)[d.size - 1], 'T');
			end = (char *)d.addr + d.size;
			struct pmemset_part_map *q;
			UT_OK(pmemset_part_map_by_address(Co_set, &q, d.addr));
			UT_ASSERT(q == p); /* referenced: it cannot go */
			pmemset_part_map_drop(&q);
			pmemset_next_part_map(Co_set, p, &next);
			pmemset_part_map_drop(&p);
			p = next;
		}
		UT_ASSERT(pmemset_part_map_count(Co_set) <= 6 * CO_WRITERS);
	}
	return NULL;
}

/* co_flusher -- deep flush over the whole address space, repeatedly */
static void *
co_flusher(void *arg)
{
	(void)arg;
	while (atomic_load(&Co_writers_left) > 0) {
		int ret = pmemset_deep_flush(Co_set, (void *)Pg, SIZE_MAX / 2);
		UT_ASSERTeq(ret, 0);
		sched_yield();
	}
	return NULL;
}

static void
coalescing_churn(void)
{
	Co_set = ut_set(NULL, NULL, NULL);
	UT_OK(pmemset_set_contiguous_part_coalescing(
		Co_set, PMEMSET_COALESCING_OPPORTUNISTIC));
	atomic_store(&Co_writers_left, CO_WRITERS);
	pthread_t w[CO_WRITERS], r[2], f;
	for (int i = 0; i < 2; i++)
		UT_ASSERTeq(pthread_create(&r[i], NULL, co_reader, NULL), 0);
	UT_ASSERTeq(pthread_create(&f, NULL, co_flusher, NULL), 0);
	for (int i = 0; i < CO_WRITERS; i++)
		UT_ASSERTeq(pthread_create(&w[i], NULL, co_writer, NULL), 0);
	for (int i = 0; i < CO_WRITERS; i++)
		UT_ASSERTeq(pthread_join(w[i], NULL), 0);
	for (int i = 0; i < 2; i++)
		UT_ASSERTeq(pthread_join(r[i], NULL), 0);
	UT_ASSERTeq(pthread_join(f, NULL), 0);
	UT_ASSERTeq(pmemset_part_map_count(Co_set), 0);
	struct pmemset_part_map *p;
	pmemset_first_part_map(Co_set, &p);
	UT_ASSERT(p == NULL);
	UT_OK(pmemset_delete(&Co_set));
}

/* errormsg is per thread even when threads fail concurrently */
static void *
fail_repeatedly(void *arg)
{
	int which = (int)(intptr_t)arg;
	for (int i = 0; i < 2000; i++) {
		struct pmemset_part_map *p;
		if (which) {
			int x;
			if (pmemset_part_map_by_address(Set, &p, &x) !=
			    PMEMSET_E_CANNOT_FIND_PART_MAP)
				return "lookup did not fail";
		} else {
			struct pmemset_source *s;
			if (pmemset_source_from_file(&s, NULL) !=
			    PMEMSET_E_INVALID_SOURCE_PATH)
				return "from_file did not fail";
		}
		char mine[512];
		snprintf(mine, sizeof(mine), "%s", pmemset_errormsg());
		sched_yield();
		if (strcmp(mine, pmemset_errormsg()) != 0)
			return "message changed by another thread";
	}
	return NULL;
}

static void
concurrent_messages(void)
{
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		UT_ASSERTeq(pthread_create(&t[i], NULL, fail_repeatedly,
					   (void *)(intptr_t)(i % 2)),
			    0);
	for (int i = 0; i < 4; i++) {
		void *res;
		UT_ASSERTeq(pthread_join(t[i], &res), 0);
		if (res)
			UT_FAIL("%s", (char *)res);
	}
}

/*
 * References are counted per thread (one shard each, set.h): a reference
 * taken in one thread and dropped in another, by more threads than there
 * are shards, must still add up.
 */
#define NHOLDERS 11

static void *
take_reference(void *addr)
{
	struct pmemset_part_map *p;
	UT_OK(pmemset_part_map_by_address(Set, &p, addr));
	return p; /* handed to the main thread, which drops it */
}

static void
references_across_threads(void)
{
	size_t before = pmemset_part_map_count(Set);
	struct pmemset_part_descriptor d;
	d.addr = ut_map(Set, Src, 0, Pg);

	struct pmemset_part_map *held[NHOLDERS];
	for (int i = 0; i < NHOLDERS; i++) {
		pthread_t t;
		UT_ASSERTeq(pthread_create(&t, NULL, take_reference, d.addr),
			    0);
		UT_ASSERTeq(pthread_join(t, (void **)&held[i]), 0);
	}
	struct pmemset_part_map *mine;
	UT_OK(pmemset_part_map_by_address(Set, &mine, d.addr));
	for (int i = 0; i < NHOLDERS; i++) {
		UT_ASSERTeq(pmemset_remove_part_map(Set, &mine),
			    PMEMSET_E_PART_MAP_POSSIBLE_USE_AFTER_DROP);
		UT_ASSERT(mine != NULL);
		pmemset_part_map_drop(&held[i]);
	}
	UT_ASSERTeq(pmemset_remove_range(Set, d.addr, Pg),
		    PMEMSET_E_PART_MAP_POSSIBLE_USE_AFTER_DROP);
	UT_OK(pmemset_remove_part_map(Set, &mine));
	UT_ASSERT(mine == NULL);
	UT_ASSERTeq(pmemset_part_map_count(Set), before);
	UT_ASSERTeq(pmemset_part_map_by_address(Set, &mine, d.addr),
		    PMEMSET_E_CANNOT_FIND_PART_MAP);
}

int
main(void)
{
	Pg = ut_pagesize();
	Src = ut_source("threads", 4 * Pg, 'T');
	Set = ut_set(NULL, NULL, NULL);
	UT_RUN(readers_and_writers);
	UT_RUN(coalescing_churn);
	UT_RUN(concurrent_messages);
	UT_RUN(references_across_threads);
	UT_OK(pmemset_delete(&Set));
	UT_OK(pmemset_source_delete(&Src));
	return 0;
}
