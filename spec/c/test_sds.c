/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sds.c -- shutdown data state (contract §3.10) through the public
 * API on emulated devices: every part state, the acceptable-states mask,
 * SDS_UPDATE fields and refcounts across map, remove and delete, a crash
 * and an unsafe shutdown in another process, a replaced device, and the
 * real backend's SDS_NOSUPP on a regular file.
 */

#include <sys/wait.h>

#include <pmemset_emu.h>

#include "ut_core.h"

#define POOL_SIZE (64 * KiB)
#define DEV_ID	  "nvdimm-emu-A"

#define ST_OK	 PMEMSET_PART_STATE_OK
#define ST_OPEN	 PMEMSET_PART_STATE_OK_BUT_ALREADY_OPEN
#define ST_INTR	 PMEMSET_PART_STATE_OK_BUT_INTERRUPTED
#define ST_CORR	 PMEMSET_PART_STATE_CORRUPTED
#define ST_INDET PMEMSET_PART_STATE_INDETERMINATE

static char dir[4096];
static char pool[4200];

/* what the callback saw: event types and a copy of each SDS update */
struct seen {
	int n;
	enum pmemset_event type[64];
	struct pmemset_sds sds[64];
	struct pmemset_source *src[64];
	int fd; /* >= 0: persist each SDS update there (a crash-safe copy) */
};

static int
on_event(struct pmemset *set, struct pmemset_event_context *ctx, void *arg)
{
	(void)set;
	struct seen *s = arg;
	UT_ASSERT(s->n < 64);
	s->type[s->n] = ctx->type;
	if (ctx->type == PMEMSET_EVENT_SDS_UPDATE) {
		s->sds[s->n] = *ctx->data.sds_update.sds;
		s->src[s->n] = ctx->data.sds_update.src;
		if (s->fd >= 0)
			UT_ASSERTeq(pwrite(s->fd, ctx->data.sds_update.sds,
					   sizeof(struct pmemset_sds), 0),
				    sizeof(struct pmemset_sds));
	}
	s->n++;
	return 0;
}

static struct pmemset *
new_set(struct seen *s, uint64_t states)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	struct pmemset_config *cfg = ut_config(on_event, s, NULL);
	UT_OK(pmemset_config_set_acceptable_states(cfg, states));
	struct pmemset *set;
	UT_OK(pmemset_new(&set, cfg));
	UT_OK(pmemset_config_delete(&cfg));
	return set;
}

static struct pmemset_source *
sds_source(const struct pmemset_sds *sds, enum pmemset_part_state *state)
{
	struct pmemset_source *src;
	UT_OK(pmemset_source_from_file(&src, pool));
	UT_OK(pmemset_source_set_sds(src, (struct pmemset_sds *)sds, state));
	return src;
}

/* expect_update -- event i is an SDS_UPDATE of src with refcount rc */
static void
expect_update(const struct seen *s, int i, struct pmemset_source *src,
	      const char *id, uint64_t usc, int rc)
{
	UT_ASSERT(i < s->n);
	UT_ASSERTeq(s->type[i], PMEMSET_EVENT_SDS_UPDATE);
	UT_ASSERT(s->src[i] == src);
	UT_ASSERT(strcmp(s->sds[i].id, id) == 0);
	UT_ASSERTeq(s->sds[i].usc, usc);
	UT_ASSERTeq(s->sds[i].refcount, rc);
}

static void
reset_device(uint64_t usc)
{
	pmemset_emu_device_remove(DEV_ID); /* may not exist */
	UT_OK(pmemset_emu_device_add(DEV_ID, usc, dir));
}

/* PMDK's case: fresh SDS, three maps -> OK, ALREADY_OPEN, ALREADY_OPEN */
static void
fresh_three_maps(void)
{
	reset_device(7);
	struct seen s;
	struct pmemset *set = new_set(&s, ST_OK | ST_OPEN);
	struct pmemset_sds sds = PMEMSET_SDS_INITIALIZE();
	enum pmemset_part_state state = 0;
	struct pmemset_source *src = sds_source(&sds, &state);
	UT_ERR(pmemset_source_set_sds(src, &sds, NULL),
	       PMEMSET_E_SDS_ALREADY_SET);

	enum pmemset_part_state want[] = { ST_OK, ST_OPEN, ST_OPEN };
	void *addr[3];
	for (int i = 0; i < 3; i++) {
		addr[i] = ut_map(set, src, 0, 0);
		UT_ASSERTeq(state, want[i]);
		/* PART_ADD, then SDS_UPDATE with the new refcount */
		UT_ASSERTeq(s.n, 2 * (i + 1));
		UT_ASSERTeq(s.type[2 * i], PMEMSET_EVENT_PART_ADD);
		expect_update(&s, 2 * i + 1, src, DEV_ID, 7, i + 1);
	}
	/* the caller's struct is never touched */
	UT_ASSERTeq(sds.refcount, 0);
	UT_ASSERTeq(sds.id[0], '\0');

	/* removing a part map: PART_REMOVE, then refcount - 1 */
	struct pmemset_part_map *pm = ut_pmap(set, addr[1]);
	UT_OK(pmemset_remove_part_map(set, &pm));
	UT_ASSERTeq(s.n, 8);
	UT_ASSERTeq(s.type[6], PMEMSET_EVENT_PART_REMOVE);
	expect_update(&s, 7, src, DEV_ID, 7, 2);

	/* remove_range over one part: REMOVE_RANGE, PART_REMOVE, update */
	UT_OK(pmemset_remove_range(set, addr[0], POOL_SIZE));
	UT_ASSERTeq(s.n, 11);
	UT_ASSERTeq(s.type[8], PMEMSET_EVENT_REMOVE_RANGE);
	UT_ASSERTeq(s.type[9], PMEMSET_EVENT_PART_REMOVE);
	expect_update(&s, 10, src, DEV_ID, 7, 1);

	/* delete: one SDS_UPDATE per part left, no PART_REMOVE */
	UT_OK(pmemset_delete(&set));
	UT_ASSERTeq(s.n, 12);
	expect_update(&s, 11, src, DEV_ID, 7, 0);
	UT_OK(pmemset_source_delete(&src));
}

/* child_crash -- map with a fresh SDS, persist the update, die mapped */
static void
child_crash(const char *saved, int shutdown)
{
	pid_t pid = fork();
	UT_ASSERT(pid >= 0);
	if (pid == 0) {
		struct seen s;
		struct pmemset *set = new_set(&s, ST_OK);
		s.fd = open(saved, O_RDWR | O_CREAT | O_TRUNC, 0644);
		UT_ASSERT(s.fd >= 0);
		struct pmemset_sds sds = PMEMSET_SDS_INITIALIZE();
		struct pmemset_source *src = sds_source(&sds, NULL);
		ut_map(set, src, 0, 0);
		if (shutdown)
			UT_OK(pmemset_emu_unsafe_shutdown(DEV_ID, NULL));
		_exit(0); /* no unmap: refcount 1 stays on "disk" */
	}
	int status;
	UT_ASSERTeq(waitpid(pid, &status, 0), pid);
	UT_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void
load_sds(const char *saved, struct pmemset_sds *sds)
{
	ut_file_read(saved, sds, sizeof(*sds), 0);
}

/* a crash while mapped: the next process sees OK_BUT_INTERRUPTED */
static void
interrupted(void)
{
	reset_device(3);
	const char *saved = ut_path("sds.intr");
	child_crash(saved, 0);
	struct pmemset_sds sds;
	load_sds(saved, &sds);
	UT_ASSERTeq(sds.refcount, 1);
	UT_ASSERT(strcmp(sds.id, DEV_ID) == 0);
	UT_ASSERTeq(sds.usc, 3);

	/* the default mask refuses it: nothing mapped, no event */
	struct seen s;
	struct pmemset *set = new_set(&s, ST_OK | ST_OPEN);
	enum pmemset_part_state state = 0;
	struct pmemset_source *src = sds_source(&sds, &state);
	UT_ERR(ut_map_range(set, src, 0, 0, NULL),
	       PMEMSET_E_UNDESIRABLE_PART_STATE);
	UT_ASSERTeq(state, ST_INTR);
	UT_ASSERTeq(s.n, 0);
	struct pmemset_part_map *pm;
	pmemset_first_part_map(set, &pm);
	UT_ASSERT(pm == NULL);
	UT_OK(pmemset_delete(&set));

	/* opting in maps it; the count stays above 0 this session */
	set = new_set(&s, ST_OK | ST_INTR);
	state = 0;
	ut_map(set, src, 0, 0);
	UT_ASSERTeq(state, ST_INTR);
	expect_update(&s, 1, src, DEV_ID, 3, 2);
	UT_OK(pmemset_delete(&set));
	expect_update(&s, 2, src, DEV_ID, 3, 1);
	UT_OK(pmemset_source_delete(&src));
	unlink(saved);
}

/* a crash and an unsafe shutdown: CORRUPTED */
static void
corrupted(void)
{
	reset_device(3);
	const char *saved = ut_path("sds.corr");
	child_crash(saved, 1);
	struct pmemset_sds sds;
	load_sds(saved, &sds);
	UT_ASSERTeq(sds.refcount, 1);
	UT_ASSERTeq(sds.usc, 3);

	struct seen s;
	struct pmemset *set = new_set(&s, ST_OK | ST_OPEN | ST_INTR);
	enum pmemset_part_state state = 0;
	struct pmemset_source *src = sds_source(&sds, &state);
	UT_ERR(ut_map_range(set, src, 0, 0, NULL),
	       PMEMSET_E_UNDESIRABLE_PART_STATE);
	UT_ASSERTeq(state, ST_CORR);
	UT_OK(pmemset_delete(&set));

	set = new_set(&s, ST_CORR);
	ut_map(set, src, 0, 0);
	UT_ASSERTeq(state, ST_CORR);
	/* the stored usc is kept: the damage stays visible */
	expect_update(&s, 1, src, DEV_ID, 3, 2);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
	unlink(saved);
}

/* a clean shutdown, then an unsafe one: the new usc is adopted, OK */
static void
usc_adopted(void)
{
	reset_device(3);
	struct pmemset_sds sds = PMEMSET_SDS_INITIALIZE();
	strcpy(sds.id, DEV_ID);
	sds.usc = 3;
	UT_OK(pmemset_emu_unsafe_shutdown(DEV_ID, NULL));

	struct seen s;
	struct pmemset *set = new_set(&s, ST_OK);
	enum pmemset_part_state state = 0;
	struct pmemset_source *src = sds_source(&sds, &state);
	ut_map(set, src, 0, 0);
	UT_ASSERTeq(state, ST_OK);
	expect_update(&s, 1, src, DEV_ID, 4, 1);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
}

/* the device changed (a new DIMM) while parts were mapped */
static void
indeterminate(void)
{
	reset_device(3);
	const char *saved = ut_path("sds.indet");
	child_crash(saved, 0);
	struct pmemset_sds sds;
	load_sds(saved, &sds);
	UT_ASSERTeq(sds.refcount, 1);
	UT_OK(pmemset_emu_device_remove(DEV_ID));
	UT_OK(pmemset_emu_device_add("nvdimm-emu-B", 3, dir));

	struct seen s;
	struct pmemset *set = new_set(&s, ST_OK | ST_OPEN | ST_INTR | ST_CORR);
	enum pmemset_part_state state = 0;
	struct pmemset_source *src = sds_source(&sds, &state);
	UT_ERR(ut_map_range(set, src, 0, 0, NULL),
	       PMEMSET_E_UNDESIRABLE_PART_STATE);
	UT_ASSERTeq(state, ST_INDET);
	UT_OK(pmemset_delete(&set));
	set = new_set(&s, ST_INDET);
	ut_map(set, src, 0, 0);
	UT_ASSERTeq(state, ST_INDET);
	expect_update(&s, 1, src, DEV_ID, 3, 2); /* old id kept */
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));

	/* with refcount 0 the new id is adopted: OK */
	sds.refcount = 0;
	set = new_set(&s, ST_OK);
	src = sds_source(&sds, &state);
	ut_map(set, src, 0, 0);
	UT_ASSERTeq(state, ST_OK);
	expect_update(&s, 1, src, "nvdimm-emu-B", 3, 1);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
	UT_OK(pmemset_emu_device_remove("nvdimm-emu-B"));
	unlink(saved);
}

/* masks: 0 refuses everything (the state is still reported), bad bits */
static void
masks(void)
{
	reset_device(1);
	struct pmemset_config *cfg = ut_config(NULL, NULL, NULL);
	UT_ERR(pmemset_config_set_acceptable_states(cfg, 1u << 5),
	       PMEMSET_E_INVALID_PART_STATES);
	UT_OK(pmemset_config_delete(&cfg));

	struct seen s;
	struct pmemset *set = new_set(&s, 0);
	struct pmemset_sds sds = PMEMSET_SDS_INITIALIZE();
	enum pmemset_part_state state = 0;
	struct pmemset_source *src = sds_source(&sds, &state);
	UT_ERR(ut_map_range(set, src, 0, 0, NULL),
	       PMEMSET_E_UNDESIRABLE_PART_STATE);
	UT_ASSERTeq(state, ST_OK);
	UT_ASSERTeq(s.n, 0);
	UT_OK(pmemset_delete(&set));

	/* the refused map left the count alone: the next map is OK, rc 1 */
	set = new_set(&s, ST_OK);
	ut_map(set, src, 0, 0);
	UT_ASSERTeq(state, ST_OK);
	expect_update(&s, 1, src, DEV_ID, 1, 1);
	/* a mask without ALREADY_OPEN refuses the second map */
	UT_ERR(ut_map_range(set, src, 0, 0, NULL),
	       PMEMSET_E_UNDESIRABLE_PART_STATE);
	UT_ASSERTeq(state, ST_OPEN);
	UT_ASSERTeq(s.n, 2);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
}

/* ids up to PMEMSET_SDS_DEVICE_ID_LEN bytes with the terminator fit */
static void
id_length(void)
{
	UT_OK(pmemset_emu_device_remove(DEV_ID));
	char id[PMEMSET_SDS_DEVICE_ID_LEN + 2];
	memset(id, 'L', PMEMSET_SDS_DEVICE_ID_LEN - 1);
	id[PMEMSET_SDS_DEVICE_ID_LEN - 1] = '\0';
	UT_OK(pmemset_emu_device_add(id, 0, dir));

	struct seen s;
	struct pmemset *set = new_set(&s, ST_OK);
	struct pmemset_sds sds = PMEMSET_SDS_INITIALIZE();
	struct pmemset_source *src = sds_source(&sds, NULL);
	ut_map(set, src, 0, 0);
	expect_update(&s, 1, src, id, 0, 1);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
	UT_OK(pmemset_emu_device_remove(id));

	memset(id, 'L', PMEMSET_SDS_DEVICE_ID_LEN);
	id[PMEMSET_SDS_DEVICE_ID_LEN] = '\0';
	UT_OK(pmemset_emu_device_add(id, 0, dir));
	set = new_set(&s, ST_OK);
	src = sds_source(&sds, NULL);
	UT_ERR(ut_map_range(set, src, 0, 0, NULL),
	       PMEMSET_E_SDS_DEVICE_ID_LEN_TOO_BIG);
	UT_ASSERTeq(s.n, 0);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
	UT_OK(pmemset_emu_device_remove(id));
	reset_device(0);
}

/* a regular file outside every emulated device: SDS_NOSUPP */
static void
real_nosupp(void)
{
	const char *path = ut_path("plain.pool");
	ut_file(path, POOL_SIZE, 0);
	struct pmemset_source *src;
	UT_OK(pmemset_source_from_file(&src, path));
	struct pmemset_sds sds = PMEMSET_SDS_INITIALIZE();
	UT_OK(pmemset_source_set_sds(src, &sds, NULL));
	struct seen s;
	struct pmemset *set = new_set(&s, ST_OK);
	UT_ERR(ut_map_range(set, src, 0, 0, NULL), PMEMSET_E_SDS_NOSUPP);
	UT_ASSERTeq(s.n, 0);
	/* without SDS the same file maps */
	struct pmemset_source *plain;
	UT_OK(pmemset_source_from_file(&plain, path));
	ut_map(set, plain, 0, 0);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
	UT_OK(pmemset_source_delete(&plain));
	unlink(path);
}

int
main(void)
{
	unsetenv("PMEMSET_EMULATE");
	snprintf(dir, sizeof(dir), "%s", ut_path("sdsdev"));
	UT_ASSERTeq(mkdir(dir, 0755), 0);
	snprintf(pool, sizeof(pool), "%s/pool", dir);
	ut_file(pool, POOL_SIZE, 'p');
	UT_OK(pmemset_emu_select(ut_path("sds.emu")));

	UT_RUN(fresh_three_maps);
	UT_RUN(interrupted);
	UT_RUN(corrupted);
	UT_RUN(usc_adopted);
	UT_RUN(indeterminate);
	UT_RUN(masks);
	UT_RUN(id_length);
	UT_RUN(real_nosupp);

	UT_OK(pmemset_emu_device_remove(DEV_ID));
	unlink(pool);
	rmdir(dir);
	return 0;
}
