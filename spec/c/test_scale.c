/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_scale.c -- the part-map registry at 50,000 parts against a sorted
 * array model (random lookups, removals, maps, full iterations); mapping
 * past vm.max_map_count fails cleanly with the set intact; thousands of
 * parts and sets leave no mapping and no thread key behind (design.md "The
 * part-map registry", contract §3.4, §3.5).
 */

#include <pthread.h>

#include "pmemset_ext.h"
#include "ut_core.h"

#define NPARTS	   50000
#define NOPS	   20000
#define NFILES	   4
#define FILE_PAGES 16

static size_t Pg;
static struct pmemset_source *Src[NFILES];

/* the model: sorted start addresses of the one-page part maps */
static uintptr_t *Model;
static size_t Nmodel;

static uint64_t Rnd = 0x9e3779b97f4a7c15ULL;

/* xorshift64: reproducible pseudo-random numbers */
static uint64_t
rnd(void)
{
	Rnd ^= Rnd << 13;
	Rnd ^= Rnd >> 7;
	Rnd ^= Rnd << 17;
	return Rnd;
}

/* index of the first model entry >= a */
static size_t
model_lower(uintptr_t a)
{
	size_t lo = 0, hi = Nmodel;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (Model[mid] < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
model_insert(uintptr_t a)
{
	size_t i = model_lower(a);
	UT_ASSERT(i == Nmodel || Model[i] != a);
	memmove(&Model[i + 1], &Model[i], (Nmodel - i) * sizeof(*Model));
	Model[i] = a;
	Nmodel++;
}

/* map one page of a random file at a random (repeating) offset */
static int
map_one(struct pmemset *set)
{
	struct pmemset_part_descriptor d;
	size_t off = (rnd() % FILE_PAGES) * Pg;
	int ret = ut_map_range(set, Src[rnd() % NFILES], off, Pg, &d);
	if (ret == 0) {
		UT_ASSERTeq(d.size, Pg);
		model_insert((uintptr_t)d.addr);
	}
	return ret;
}

/* the set's part maps, by iteration, equal the model */
static void
compare_iteration(struct pmemset *set)
{
	struct pmemset_part_map *p, *next;
	size_t i = 0;
	pmemset_first_part_map(set, &p);
	while (p) {
		struct pmemset_part_descriptor d =
			pmemset_descriptor_part_map(p);
		UT_ASSERT(i < Nmodel);
		UT_ASSERTeq((uintptr_t)d.addr, Model[i]);
		UT_ASSERTeq(d.size, Pg);
		i++;
		pmemset_next_part_map(set, p, &next);
		pmemset_part_map_drop(&p);
		p = next;
	}
	UT_ASSERTeq(i, Nmodel);
}

/* a random address near a random part: inside, at its end, or before */
static uintptr_t
random_addr(void)
{
	uintptr_t base = Model[rnd() % Nmodel];
	return base - Pg + rnd() % (3 * Pg);
}

static void
check_lookup(struct pmemset *set, uintptr_t a)
{
	size_t i = model_lower(a + 1); /* first start > a */
	int inside = i > 0 && a < Model[i - 1] + Pg;
	struct pmemset_part_map *p;
	int ret = pmemset_part_map_by_address(set, &p, (void *)a);
	if (!inside) {
		UT_ASSERTeq(ret, PMEMSET_E_CANNOT_FIND_PART_MAP);
		UT_ASSERT(p == NULL);
		return;
	}
	UT_OK(ret);
	UT_ASSERTeq((uintptr_t)pmemset_descriptor_part_map(p).addr,
		    Model[i - 1]);
	pmemset_part_map_drop(&p);
}

static void
check_remove(struct pmemset *set, uintptr_t a, size_t len)
{
	/* parts intersecting [a, a+len): start < a+len and start+Pg > a */
	size_t first = model_lower(a > Pg ? a - Pg + 1 : 0);
	size_t last = model_lower(a + len);
	int ret = pmemset_remove_range(set, (void *)a, len);
	if (first == last) {
		UT_ASSERTeq(ret, PMEMSET_E_CANNOT_FIND_PART_MAP);
		return;
	}
	UT_OK(ret);
	memmove(&Model[first], &Model[last], (Nmodel - last) * sizeof(*Model));
	Nmodel -= last - first;
}

static void
registry_model(struct pmemset *set)
{
	for (int i = 0; i < NPARTS; i++)
		UT_OK(map_one(set));
	UT_ASSERTeq(pmemset_part_map_count(set), NPARTS);
	compare_iteration(set);

	for (int op = 0; op < NOPS; op++) {
		switch (rnd() % 4) {
		case 0:
		case 1:
			check_lookup(set, random_addr());
			break;
		case 2:
			check_remove(set, random_addr(), 1 + rnd() % (3 * Pg));
			break;
		default:
			UT_OK(map_one(set));
		}
		if (op % 5000 == 4999) {
			UT_ASSERTeq(pmemset_part_map_count(set), Nmodel);
			compare_iteration(set);
		}
	}
	compare_iteration(set);
}

/*
 * Map until the kernel's mapping limit stops us: a clear error, the set as
 * it was, and after a few removals mapping works again.
 */
static void
past_max_map_count(struct pmemset *set)
{
	size_t before = Nmodel;
	int ret;
	while ((ret = map_one(set)) == 0)
		UT_ASSERT(Nmodel < before + 70000);
	fprintf(stderr, "    map %zu failed: %d: %s\n", Nmodel + 1, ret,
		pmemset_errormsg());
	UT_ASSERT(ret < 0);
	UT_ASSERT(pmemset_errormsg()[0] != '\0');
	size_t lines = ut_maps_ours();
	UT_ASSERTeq(pmemset_part_map_count(set), Nmodel);
	compare_iteration(set);

	/* a second failure changes nothing either */
	UT_ASSERT(map_one(set) < 0);
	UT_ASSERTeq(ut_maps_ours(), lines);
	compare_iteration(set);

	/*
	 * At the limit a removal may fail (it must then say so and change
	 * nothing); one that reports success must really unmap the part
	 */
	int removed = 0;
	for (int i = 0; i < 8; i++) {
		size_t k = rnd() % Nmodel;
		uintptr_t a = Model[k];
		ret = pmemset_remove_range(set, (void *)a, 1);
		if (ret != 0) {
			UT_ASSERT(ret < 0 && pmemset_errormsg()[0] != '\0');
			compare_iteration(set);
			continue;
		}
		UT_ASSERT(!ut_is_accessible((void *)a));
		memmove(&Model[k], &Model[k + 1],
			(Nmodel - k - 1) * sizeof(*Model));
		Nmodel--;
		removed++;
	}
	fprintf(stderr, "    %d of 8 removals at the limit succeeded\n",
		removed);
	compare_iteration(set);

	/*
	 * A removed part becomes a reservation hole, one mapping for
	 * another: the count drops only when holes merge. Remove a run of
	 * 32 parts at once; then there is room to map again.
	 */
	size_t k = rnd() % (Nmodel - 32);
	check_remove(set, Model[k], Model[k + 31] + Pg - Model[k]);
	UT_OK(map_one(set));
	compare_iteration(set);
}

static void
registry(void)
{
	size_t lines = ut_maps_ours();
	struct pmemset *set = ut_set(NULL, NULL, NULL);
	Model = malloc(200000 * sizeof(*Model));
	UT_ASSERT(Model != NULL);
	registry_model(set);
	past_max_map_count(set);
	UT_OK(pmemset_delete(&set));
	free(Model);
	Model = NULL;
	Nmodel = 0;
	UT_ASSERTeq(ut_maps_ours(), lines);
}

/*
 * 5,000 parts mapped and deleted: the caller's thread key is still its own
 * and new keys can be made (libpmem2 1.12 takes a thread key per mapping,
 * see docs/benchmarks.md, and may delete keys it never created)
 */
static void
thread_keys_survive(void)
{
	pthread_key_t mine, fresh;
	int value;
	UT_ASSERTeq(pthread_key_create(&mine, NULL), 0);
	UT_ASSERTeq(pthread_setspecific(mine, &value), 0);

	struct pmemset *set = ut_set(NULL, NULL, NULL);
	char *first = ut_map(set, Src[0], 0, Pg);
	for (int i = 1; i < 5000; i++)
		ut_map(set, Src[i % NFILES], (size_t)(i % FILE_PAGES) * Pg, Pg);
	UT_ASSERTeq(pmemset_part_map_count(set), 5000);
	UT_OK(pmemset_delete(&set));
	UT_ASSERT(!ut_is_mapped(first));

	UT_ASSERT(pthread_getspecific(mine) == &value);
	UT_ASSERTeq(pthread_key_create(&fresh, NULL), 0);
	UT_ASSERTeq(pthread_key_delete(fresh), 0);
	UT_ASSERTeq(pthread_key_delete(mine), 0);
}

/* 5,000 parts and 2,000 sets later no mapping of them is left */
static void
nothing_left_behind(void)
{
	size_t lines = ut_maps_ours();
	struct pmemset *set = ut_set(NULL, NULL, NULL);
	char *addr[5000];
	for (int i = 0; i < 5000; i++)
		addr[i] = ut_map(set, Src[i % NFILES],
				 (size_t)(i % FILE_PAGES) * Pg, Pg);
	UT_OK(pmemset_delete(&set));
	for (int i = 0; i < 5000; i++)
		UT_ASSERT(!ut_is_mapped(addr[i]));
	for (int i = 0; i < 2000; i++) {
		set = ut_set(NULL, NULL, NULL);
		char *a = ut_map(set, Src[i % NFILES], 0, Pg);
		struct pmemset_part_map *p = ut_pmap(set, a);
		pmemset_part_map_drop(&p);
		UT_OK(pmemset_delete(&set));
		UT_ASSERT(!ut_is_mapped(a)); /* neither part nor arena */
	}
	UT_ASSERTeq(ut_maps_ours(), lines);
}

int
main(void)
{
	Pg = ut_pagesize();
	for (int i = 0; i < NFILES; i++) {
		char name[32];
		snprintf(name, sizeof(name), "scale%d", i);
		Src[i] = ut_source(name, FILE_PAGES * Pg, 'a' + i);
	}
	UT_RUN(thread_keys_survive);
	UT_RUN(registry);
	UT_RUN(nothing_left_behind);
	for (int i = 0; i < NFILES; i++)
		UT_OK(pmemset_source_delete(&Src[i]));
	return 0;
}
