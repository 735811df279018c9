/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_emu_shared.c -- one description shared by processes: a child run
 * with only PMEMSET_EMULATE set simulates an unsafe shutdown and injects a
 * bad block, the parent's attached source sees both; concurrent writers
 * lose no update.
 */

#include <sys/wait.h>

#include <libpmem2.h>
#include <pmemset_emu.h>

#include "device.h"
#include "ut.h"

#define WRITERS 4
#define ROUNDS	50

static char self[4096];

/* run -- this program as a child with PMEMSET_EMULATE=desc and args */
static void
run(const char *desc, char *const args[])
{
	pid_t pid = fork();
	UT_ASSERT(pid >= 0);
	if (pid == 0) {
		setenv("PMEMSET_EMULATE", desc, 1);
		execv(self, args);
		_exit(127);
	}
	int status;
	UT_ASSERTeq(waitpid(pid, &status, 0), pid);
	UT_ASSERT(WIFEXITED(status));
	UT_ASSERTeq(WEXITSTATUS(status), 0);
}

static void
unsafe_shutdown_in_child(void)
{
	const char *desc = ut_path("shared.emu");
	const char *dir = ut_path("pmem1");
	UT_ASSERTeq(mkdir(dir, 0755), 0);
	char file[4200];
	snprintf(file, sizeof(file), "%s/pool", dir);
	ut_file(file, 16384, 'p');
	UT_OK(pmemset_emu_select(desc));
	UT_OK(pmemset_emu_device_add("dimm-shared", 10, dir));

	int fd = open(file, O_RDWR);
	struct pmem2_source *p2src;
	UT_OK(pmem2_source_from_fd(&p2src, fd));
	struct device *dev;
	UT_OK(device_attach(&dev, p2src, fd, file));
	UT_ASSERTeq(device_is_emulated(dev), 1);
	uint64_t usc;
	UT_OK(device_usc(dev, &usc));
	UT_ASSERTeq(usc, 10);

	char *shutdown[] = { self, "shutdown", "dimm-shared", NULL };
	run(desc, shutdown);
	UT_OK(device_usc(dev, &usc));
	UT_ASSERTeq(usc, 11);

	char *inject[] = { self, "badblock", file, NULL };
	run(desc, inject);
	char buf[16];
	UT_ASSERTeq(device_pread_mcsafe(dev, buf, sizeof(buf), 4096),
		    PMEM2_E_IO_FAIL);
	struct device_bb_ctx *ctx;
	UT_OK(device_bb_ctx_new(dev, &ctx));
	struct pmemset_badblock bb;
	UT_OK(device_bb_next(ctx, &bb));
	UT_ASSERTeq(bb.offset, 4096);
	UT_ASSERTeq(bb.length, 4096);
	device_bb_ctx_delete(&ctx);

	device_detach(&dev);
	pmem2_source_delete(&p2src);
	close(fd);
	unlink(file);
	rmdir(dir);
	UT_OK(pmemset_emu_select(NULL));
}

/* every locked read-modify-write survives concurrent writers */
static void
concurrent_writers(void)
{
	const char *desc = ut_path("busy.emu");
	const char *dir = ut_path("busy");
	UT_ASSERTeq(mkdir(dir, 0755), 0);
	UT_OK(pmemset_emu_select(desc));
	UT_OK(pmemset_emu_device_add("busy", 0, dir));

	pid_t pids[WRITERS];
	char *args[] = { self, "many", "busy", NULL };
	for (int i = 0; i < WRITERS; i++) {
		pids[i] = fork();
		UT_ASSERT(pids[i] >= 0);
		if (pids[i] == 0) {
			setenv("PMEMSET_EMULATE", desc, 1);
			execv(self, args);
			_exit(127);
		}
	}
	for (int i = 0; i < WRITERS; i++) {
		int status;
		UT_ASSERTeq(waitpid(pids[i], &status, 0), pids[i]);
		UT_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	struct pmemset_emu_state *st;
	UT_OK(pmemset_emu_state_read(&st));
	struct pmemset_emu_device d;
	UT_OK(pmemset_emu_state_device(st, 0, &d));
	UT_ASSERTeq(d.usc, WRITERS * ROUNDS);
	pmemset_emu_state_delete(&st);
	UT_OK(pmemset_emu_select(NULL));
	rmdir(dir);
}

/* child -- the roles the parent runs this program in */
static int
child(int argc, char *argv[])
{
	if (argc == 3 && strcmp(argv[1], "shutdown") == 0) {
		uint64_t usc;
		UT_OK(pmemset_emu_unsafe_shutdown(argv[2], &usc));
		UT_ASSERTeq(usc, 11);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "badblock") == 0) {
		UT_OK(pmemset_emu_badblock_add(argv[2], 4096, 4096));
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "many") == 0) {
		for (int i = 0; i < ROUNDS; i++)
			UT_OK(pmemset_emu_unsafe_shutdown(argv[2], NULL));
		return 0;
	}
	UT_FAIL("unknown role %s", argv[1]);
}

int
main(int argc, char *argv[])
{
	if (argc > 1)
		return child(argc, argv);
	unsetenv("PMEMSET_EMULATE");
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	UT_ASSERT(n > 0);
	self[n] = '\0';
	UT_RUN(unsafe_shutdown_in_child);
	UT_RUN(concurrent_writers);
	return 0;
}
