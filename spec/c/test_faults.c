/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_faults.c -- fault injection over a scenario covering the C API.
 *
 * For every N (or every FAULT_STRIDE-th, default 1 here; ctest sets a
 * stride, scripts/faults.sh runs them all), the scenario runs again with
 * the Nth allocation failing (malloc, calloc, realloc, strdup,
 * posix_memalign of the library: linked with --wrap), then with the Nth
 * mmap or munmap failing (of the library and of libpmem2: this program
 * defines both, so libpmem2's calls land here too; a failing MAP_FIXED
 * first unmaps its range, as the kernel may). The first call that
 * fails must return a negative code with a message and leave the set as it
 * was: same part maps, same mappings of the test's files, same descriptors
 * open, same events delivered, every free range of every arena still
 * reserved PROT_NONE. Then everything is deleted and nothing may be left:
 * no mapping of an arena or of a file, no descriptor; leaks are LSan's to
 * report (the ASan build).
 *
 * usage: test_faults [alloc|mmap] [stride] [first-N]
 */

#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <pmemset_emu.h>
#include <pmemset_ext.h>

#include "arena.h"
#include "set.h"
#include "ut_core.h"

/* --- injection --- */

enum fault_kind { FAULT_ALLOC, FAULT_MMAP };

static enum fault_kind Kind;
static long Fail_at; /* 0: never */
static long Count;   /* counted calls of Kind so far */
static int Armed;    /* counting only inside the library's calls */
static int Injected; /* the failure happened */

static int
inject(enum fault_kind k)
{
	if (!Armed || k != Kind)
		return 0;
	if (++Count != Fail_at)
		return 0;
	Injected = 1;
	return 1;
}

#ifdef FAULT_ALL_ALLOCATIONS
/*
 * Without a sanitizer (which owns malloc) the process's allocator is
 * replaced too, so libpmem2's own allocations fail in turn (the build
 * links no --wrap then: every call comes here directly).
 */
void *__libc_malloc(size_t n);

/*
 * from_libc -- a call from inside the C library itself (fts, stdio, ...
 * that libpmem2 uses) is not counted: glibc's fts_open dereferences a
 * failed allocation, which neither pmemset nor libpmem2 can help
 */
static int
from_libc(const void *ret_addr)
{
	static void *libc_base;
	Dl_info info;
	if (libc_base == NULL && dladdr((void *)fopen, &info))
		libc_base = info.dli_fbase;
	return dladdr(ret_addr, &info) && info.dli_fbase == libc_base;
}

#define INJECT_ALLOC()                                                         \
	(!from_libc(__builtin_return_address(0)) && inject(FAULT_ALLOC))
void *__libc_calloc(size_t n, size_t m);
void *__libc_realloc(void *p, size_t n);
void *__libc_memalign(size_t a, size_t n);

void *
malloc(size_t n)
{
	if (INJECT_ALLOC()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_malloc(n);
}

void *
calloc(size_t n, size_t m)
{
	if (INJECT_ALLOC()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_calloc(n, m);
}

void *
realloc(void *p, size_t n)
{
	if (INJECT_ALLOC()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_realloc(p, n);
}

int
posix_memalign(void **p, size_t a, size_t n)
{
	if (INJECT_ALLOC())
		return ENOMEM;
	*p = __libc_memalign(a, n);
	return *p ? 0 : ENOMEM;
}

char *
strdup(const char *s)
{
	if (INJECT_ALLOC()) {
		errno = ENOMEM;
		return NULL;
	}
	size_t n = strlen(s) + 1;
	char *d = __libc_malloc(n);
	return d ? memcpy(d, s, n) : NULL;
}
#else
/* the library's allocations, through -Wl,--wrap */
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
int __wrap_posix_memalign(void **p, size_t a, size_t n);
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
int __real_posix_memalign(void **p, size_t a, size_t n);

void *
__wrap_malloc(size_t n)
{
	if (inject(FAULT_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_malloc(n);
}

void *
__wrap_calloc(size_t n, size_t m)
{
	if (inject(FAULT_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_calloc(n, m);
}

void *
__wrap_realloc(void *p, size_t n)
{
	if (inject(FAULT_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_realloc(p, n);
}

char *
__wrap_strdup(const char *s)
{
	if (inject(FAULT_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_strdup(s);
}

int
__wrap_posix_memalign(void **p, size_t a, size_t n)
{
	if (inject(FAULT_ALLOC))
		return ENOMEM;
	return __real_posix_memalign(p, a, n);
}

#endif

typedef void *mmap_fn(void *, size_t, int, int, int, off_t);
typedef int munmap_fn(void *, size_t);

static int
munmap_real(void *a, size_t len)
{
	static munmap_fn *real;
	if (real == NULL)
		real = (munmap_fn *)dlsym(RTLD_NEXT, "munmap");
	return real(a, len);
}

void *
mmap(void *a, size_t len, int prot, int flags, int fd, off_t off)
{
	static mmap_fn *real;
	if (real == NULL)
		real = (mmap_fn *)dlsym(RTLD_NEXT, "mmap");
	if (inject(FAULT_MMAP)) {
		/*
		 * as the kernel may do: a MAP_FIXED that fails late has
		 * already unmapped what was there (a reservation's
		 * placeholder)
		 */
		if (flags & MAP_FIXED)
			munmap_real(a, len);
		errno = ENOMEM;
		return MAP_FAILED;
	}
	return real(a, len, prot, flags, fd, off);
}

int
munmap(void *a, size_t len)
{
	if (inject(FAULT_MMAP)) {
		errno = ENOMEM;
		return -1;
	}
	return munmap_real(a, len);
}

/* --- what must not change --- */

static int Events;
static size_t Pg;
static char Pool[4200], Dev_dir[4096], File[4096];

static int
on_event(struct pmemset *set, struct pmemset_event_context *ctx, void *arg)
{
	(void)set, (void)arg;
	/* the events of a change (a failed call's checks may report more) */
	switch (ctx->type) {
	case PMEMSET_EVENT_PART_ADD:
	case PMEMSET_EVENT_PART_REMOVE:
	case PMEMSET_EVENT_REMOVE_RANGE:
	case PMEMSET_EVENT_SDS_UPDATE:
		Events++;
		break;
	default:
		break;
	}
	if (ctx->type == PMEMSET_EVENT_BADBLOCK)
		return pmemset_badblock_clear(ctx->data.badblock.bb,
					      ctx->data.badblock.src);
	return 0;
}

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	UT_ASSERT(d != NULL);
	int n = 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* every byte of [lo, hi) is mapped PROT_NONE (1), or unmapped (0) */
static int
range_state(uintptr_t lo, uintptr_t hi, int want_reserved)
{
	FILE *f = fopen("/proc/self/maps", "r");
	UT_ASSERT(f != NULL);
	char line[4096];
	uintptr_t covered = lo;
	int ok = 1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &a, &b, perms) != 3)
			continue;
		if (b <= lo || a >= hi)
			continue;
		if (!want_reserved || strcmp(perms, "---p") != 0 || a > covered)
			ok = 0;
		if (b > covered)
			covered = b;
	}
	fclose(f);
	return ok && (!want_reserved || covered >= hi);
}

/* arenas seen during the run: after delete none may be mapped */
#define MAX_ARENAS 64
static struct {
	uintptr_t lo, hi;
	int caller;
} Seen[MAX_ARENAS];
static int Nseen;

/* check_extents -- the free extents of a subtree are reserved */
static void
check_extents(struct extent *e)
{
	if (e == NULL)
		return;
	if (!range_state((uintptr_t)e->addr, (uintptr_t)e->addr + e->size, 1))
		UT_FAIL("free range [%p, +%zu) of an arena is not reserved",
			(void *)e->addr, e->size);
	check_extents(RB_LEFT(e, node));
	check_extents(RB_RIGHT(e, node));
}

/* each free extent of each arena is a PROT_NONE reservation */
static void
check_arenas(struct pmemset *set)
{
	if (set == NULL)
		return;
	for (struct arena *a = set->arenas; a; a = a->next) {
		int known = 0;
		for (int i = 0; i < Nseen; i++)
			known |= Seen[i].lo == (uintptr_t)a->base;
		if (!known && Nseen < MAX_ARENAS)
			Seen[Nseen++] =
				(typeof(Seen[0])){ (uintptr_t)a->base,
						   (uintptr_t)a->base + a->size,
						   !a->owned };
		check_extents(RB_ROOT(&a->free));
	}
}

struct state {
	struct ut_snap parts[2];
	size_t file_maps;
	int fds;
	int events;
};

static struct pmemset *Sets[2];

static void
state_take(struct state *s)
{
	for (int i = 0; i < 2; i++) {
		s->parts[i].n = 0;
		if (Sets[i])
			ut_snap(Sets[i], &s->parts[i]);
		check_arenas(Sets[i]);
	}
	s->file_maps = ut_maps_ours();
	s->fds = count_fds();
	s->events = Events;
}

static void
state_eq(const struct state *a, const struct state *b)
{
	for (int i = 0; i < 2; i++)
		ut_snap_eq(&a->parts[i], &b->parts[i]);
	UT_ASSERTeq(a->file_maps, b->file_maps);
	UT_ASSERTeq(a->fds, b->fds);
	UT_ASSERTeq(a->events, b->events);
}

/*
 * STEP -- one call of the library with the injection armed. A failure
 * must be the injected one, negative, with a message, and change nothing;
 * the scenario then ends.
 */
#define STEP(call)                                                             \
	do {                                                                   \
		struct state before_, after_;                                  \
		state_take(&before_);                                          \
		Armed = 1;                                                     \
		int r_ = (call);                                               \
		Armed = 0;                                                     \
		if (r_ != 0) {                                                 \
			if (!Injected)                                         \
				UT_FAIL("%s failed (%d) without an injected "  \
					"fault: %s",                           \
					#call, r_, pmemset_errormsg());        \
			UT_ASSERT(r_ < 0);                                     \
			UT_ASSERT(pmemset_errormsg()[0] != '\0');              \
			state_take(&after_);                                   \
			state_eq(&before_, &after_);                           \
			return;                                                \
		}                                                              \
	} while (0)

/* STEP_VOID -- a call that cannot report a failure */
#define STEP_VOID(call)                                                        \
	do {                                                                   \
		Armed = 1;                                                     \
		call;                                                          \
		Armed = 0;                                                     \
	} while (0)

/* --- the scenario --- */

static struct pmemset_config *Cfg, *Cfg2;
static struct pmemset_map_config *Mc;
static struct pmemset_source *Src_file, *Src_tmp, *Src_p2, *Src_sds, *Src_bb;
static struct pmem2_source *P2;
static int P2_fd = -1;
static struct pmem2_vm_reservation *Rsv;
static struct pmemset_sds Sds = PMEMSET_SDS_INITIALIZE();

static int
map(struct pmemset *set, struct pmemset_source *src, size_t off, size_t len,
    char **addr)
{
	int ret = pmemset_map_config_set_offset(Mc, off);
	if (ret)
		return ret;
	pmemset_map_config_set_length(Mc, len);
	struct pmemset_part_descriptor d;
	ret = pmemset_map(set, src, Mc, &d);
	if (ret == 0 && addr)
		*addr = (char *)d.addr + d.size - len; /* the new part */
	return ret;
}

static int
lookup_and_drop(struct pmemset *set, void *addr)
{
	struct pmemset_part_map *pm;
	int ret = pmemset_part_map_by_address(set, &pm, addr);
	pmemset_part_map_drop(&pm);
	return ret;
}

static int
remove_whole(struct pmemset *set, void *addr)
{
	struct pmemset_part_map *pm;
	int ret = pmemset_part_map_by_address(set, &pm, addr);
	if (ret)
		return ret;
	ret = pmemset_remove_part_map(set, &pm);
	pmemset_part_map_drop(&pm);
	return ret;
}

static int
iterate(struct pmemset *set)
{
	struct pmemset_part_map *p, *next;
	pmemset_first_part_map(set, &p);
	while (p) {
		pmemset_next_part_map(set, p, &next);
		pmemset_part_map_drop(&p);
		p = next;
	}
	return 0;
}

static int
data_path(struct pmemset *set, char *addr)
{
	char buf[64] = "fault injection";
	pmemset_memcpy(set, addr, buf, sizeof(buf), 0);
	pmemset_memmove(set, addr + 64, addr, 64, PMEMSET_F_MEM_NODRAIN);
	pmemset_memset(set, addr + 128, 'x', 64, 0);
	int ret = pmemset_persist(set, addr, 192);
	if (ret == 0)
		ret = pmemset_flush(set, addr, 64);
	if (ret == 0)
		ret = pmemset_drain(set);
	if (ret == 0 && memcmp(addr + 64, buf, sizeof(buf)) != 0)
		UT_FAIL("memmove did not copy");
	return ret;
}

static void
scenario(void)
{
	char *a = NULL, *b = NULL, *c = NULL, *d = NULL;
	STEP(pmemset_config_new(&Cfg));
	STEP(pmemset_config_set_required_store_granularity(
		Cfg, PMEM2_GRANULARITY_PAGE));
	STEP_VOID(pmemset_config_set_event_callback(Cfg, on_event, NULL));
	STEP(pmemset_config_set_acceptable_states(
		Cfg, PMEMSET_PART_STATE_OK |
			     PMEMSET_PART_STATE_OK_BUT_ALREADY_OPEN));
	STEP(pmemset_new(&Sets[0], Cfg));
	STEP(pmemset_map_config_new(&Mc));

	/* the three source kinds; the temporary one grows */
	STEP(pmemset_source_from_file(&Src_file, File));
	STEP(pmemset_source_from_temporary(&Src_tmp, ut_dir()));
	STEP(pmemset_source_from_pmem2(&Src_p2, P2));
	STEP(map(Sets[0], Src_file, 0, 2 * Pg, &a));
	STEP(pmemset_set_contiguous_part_coalescing(
		Sets[0], PMEMSET_COALESCING_OPPORTUNISTIC));
	STEP(map(Sets[0], Src_tmp, 0, 2 * Pg, &b));
	STEP(map(Sets[0], Src_p2, 0, Pg, &c));
	STEP(map(Sets[0], Src_file, 2 * Pg, Pg, &d));

	/* reading */
	STEP(lookup_and_drop(Sets[0], b + 1));
	STEP(iterate(Sets[0]));
	STEP(data_path(Sets[0], a));
	STEP(pmemset_deep_flush(Sets[0], a, Pg));

	/* removal: middle, front, back, whole */
	STEP(pmemset_remove_range(Sets[0], b, 1));
	STEP(pmemset_remove_range(Sets[0], a, 2 * Pg));
	STEP(pmemset_remove_range(Sets[0], d, Pg));
	STEP(remove_whole(Sets[0], c));

	/* a caller's reservation */
	STEP(pmemset_vm_reservation_new(&Rsv, 16 * Pg));
	STEP(pmemset_config_new(&Cfg2));
	STEP(pmemset_config_set_required_store_granularity(
		Cfg2, PMEM2_GRANULARITY_PAGE));
	STEP_VOID(pmemset_config_set_reservation(Cfg2, Rsv));
	STEP(pmemset_new(&Sets[1], Cfg2));
	STEP(map(Sets[1], Src_file, 0, 4 * Pg, &a));
	STEP(map(Sets[1], Src_tmp, 0, 4 * Pg, &b));
	STEP(pmemset_remove_range(Sets[1], a, 1));

	/* emulated SDS and bad blocks */
	STEP(pmemset_source_from_file(&Src_sds, Pool));
	STEP(pmemset_source_set_sds(Src_sds, &Sds, NULL));
	STEP(map(Sets[0], Src_sds, 0, 0, NULL));
	STEP(pmemset_source_from_file(&Src_bb, Pool));
	STEP_VOID(pmemset_source_set_badblock_detection(Src_bb, true));
	STEP(map(Sets[0], Src_bb, 0, 0, NULL));

	STEP(pmemset_delete(&Sets[1]));
	STEP(pmemset_delete(&Sets[0]));
}

/* cleanup -- everything deleted, without injection */
static void
cleanup(void)
{
	for (int i = 0; i < 2; i++)
		UT_OK(pmemset_delete(&Sets[i]));
	struct pmemset_source **srcs[] = { &Src_file, &Src_tmp, &Src_p2,
					   &Src_sds, &Src_bb };
	for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++)
		if (*srcs[i])
			UT_OK(pmemset_source_delete(srcs[i]));
	if (Rsv)
		UT_OK(pmem2_vm_reservation_delete(&Rsv));
	UT_OK(pmemset_config_delete(&Cfg));
	UT_OK(pmemset_config_delete(&Cfg2));
	UT_OK(pmemset_map_config_delete(&Mc));
}

/* one run with the Nth call failing; 1 when the fault was reached */
static int
run_one(enum fault_kind kind, long n, const struct state *base)
{
	Kind = kind;
	Fail_at = n;
	Count = 0;
	Injected = 0;
	Events = 0;
	Nseen = 0;
	ut_file(Pool, 16 * Pg, 'p');
	UT_OK(pmemset_emu_badblock_add(Pool, Pg, 512));
	scenario();
	int reached = Injected;
	cleanup();
	pmemset_emu_badblock_remove(Pool, Pg, 512); /* if not cleared */

	/* nothing of the run is left */
	struct state end;
	Events = base->events;
	state_take(&end);
	UT_ASSERTeq(end.file_maps, base->file_maps);
	UT_ASSERTeq(end.fds, base->fds);
	for (int i = 0; i < Nseen; i++)
		if (!range_state(Seen[i].lo, Seen[i].hi, 0))
			UT_FAIL("%s %ld: arena [%p, %p) is still mapped",
				kind == FAULT_ALLOC ? "alloc" : "mmap", n,
				(void *)Seen[i].lo, (void *)Seen[i].hi);
	return reached;
}

static void
all_points(enum fault_kind kind, long stride, long first)
{
	struct state base;
	Events = 0;
	state_take(&base);
	long n = first, points = 0;
	while (run_one(kind, n, &base)) {
		points++;
		n += stride;
	}
	UT_ASSERT(n > first || first > 1); /* the scenario made calls */
	fprintf(stderr,
		"    %s: %ld failure points tried (stride %ld), "
		"%ld calls in the scenario\n",
		kind == FAULT_ALLOC ? "alloc" : "mmap", points, stride, Count);
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	long stride = argc > 2 ? atol(argv[2]) : 1;
	long first = argc > 3 ? atol(argv[3]) : 1;
	if (getenv("FAULT_STRIDE"))
		stride = atol(getenv("FAULT_STRIDE"));
	if (stride < 1)
		stride = 1;
	Pg = ut_pagesize();
	unsetenv("PMEMSET_EMULATE");
	snprintf(Dev_dir, sizeof(Dev_dir), "%s", ut_path("faultdev"));
	UT_ASSERTeq(mkdir(Dev_dir, 0755), 0);
	snprintf(Pool, sizeof(Pool), "%s/pool", Dev_dir);
	UT_OK(pmemset_emu_select(ut_path("faults.emu")));
	UT_OK(pmemset_emu_device_add("fault-dimm", 1, Dev_dir));
	snprintf(File, sizeof(File), "%s", ut_path("faults"));
	ut_file(File, 4 * Pg, 'f');
	const char *p2path = ut_path("faults.p2");
	ut_file(p2path, 4 * Pg, 'q');
	P2_fd = open(p2path, O_RDWR);
	UT_ASSERT(P2_fd >= 0);
	UT_ASSERTeq(pmem2_source_from_fd(&P2, P2_fd), 0);

	if (only == NULL || strcmp(only, "alloc") == 0) {
		fprintf(stderr, "  alloc\n");
		all_points(FAULT_ALLOC, stride, first);
	}
	if (only == NULL || strcmp(only, "mmap") == 0) {
		fprintf(stderr, "  mmap\n");
		all_points(FAULT_MMAP, stride, first);
	}

	UT_ASSERTeq(pmem2_source_delete(&P2), 0);
	close(P2_fd);
	UT_OK(pmemset_emu_device_remove("fault-dimm"));
	return 0;
}
