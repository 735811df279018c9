/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_errors.c -- pmemset_errormsg (thread-local), pmemset_perror (exact
 * stderr line), pmemset_err_to_errno (every rule) and the logging
 * environment variables (contract §3.15, §3.16).
 */

#include <limits.h>
#include <pthread.h>
#include <sys/wait.h>

#include "ut_core.h"

/* a failure with a known cause, to have a message */
static int
fail_once(void)
{
	struct pmemset_source *src;
	return pmemset_source_from_file(&src, NULL);
}

static void *
fail_in_thread(void *arg)
{
	char *out = arg;
	/* a new thread starts with an empty, valid message */
	snprintf(out, 512, "%s", pmemset_errormsg());
	if (out[0] != '\0')
		return "message not empty in a new thread";
	struct pmemset_map_config *mc;
	if (pmemset_map_config_new(&mc))
		return "map_config_new failed";
	int ret = pmemset_map_config_set_offset(mc, SIZE_MAX);
	pmemset_map_config_delete(&mc);
	if (ret != PMEMSET_E_OFFSET_OUT_OF_RANGE)
		return "set_offset did not fail";
	snprintf(out, 512, "%s", pmemset_errormsg());
	return NULL;
}

static void
errormsg_thread_local(void)
{
	UT_ERR(fail_once(), PMEMSET_E_INVALID_SOURCE_PATH);
	char mine[512], theirs[512];
	snprintf(mine, sizeof(mine), "%s", pmemset_errormsg());

	pthread_t t;
	void *res;
	UT_ASSERTeq(pthread_create(&t, NULL, fail_in_thread, theirs), 0);
	UT_ASSERTeq(pthread_join(t, &res), 0);
	if (res)
		UT_FAIL("%s", (char *)res);
	UT_ASSERT(theirs[0] != '\0');
	UT_ASSERT(strcmp(theirs, mine) != 0);
	UT_ASSERT(strcmp(pmemset_errormsg(), mine) == 0);
}

/* a system-call cause ends with ": strerror(errno)" */
static void
errormsg_syscall_cause(void)
{
	struct pmemset_source *src;
	const char *dir = ut_path("errdir");
	UT_ASSERTeq(mkdir(dir, 0700), 0);
	int ret = pmemset_source_from_file(&src, dir);
	if (ret == -EISDIR) {
		char suffix[256];
		snprintf(suffix, sizeof(suffix), ": %s", strerror(EISDIR));
		const char *msg = pmemset_errormsg();
		size_t n = strlen(msg), c = strlen(suffix);
		UT_ASSERT(n > c);
		UT_ASSERT(strcmp(msg + n - c, suffix) == 0);
	}
	rmdir(dir);
}

/* run fn with stderr redirected to path */
static void
with_stderr_to(const char *path, void (*fn)(void))
{
	fflush(stderr);
	int saved = dup(2);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	UT_ASSERT(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
}

static void
do_perror(void)
{
	pmemset_perror("context %d%s", 42, "!");
}

static void
perror_line(void)
{
	UT_ERR(fail_once(), PMEMSET_E_INVALID_SOURCE_PATH);
	char expected[1024];
	snprintf(expected, sizeof(expected), "context 42!: %s\n",
		 pmemset_errormsg());
	const char *path = ut_path("perror");
	with_stderr_to(path, do_perror);
	char got[1024] = { 0 };
	size_t n = ut_file_size(path);
	UT_ASSERT(n < sizeof(got));
	ut_file_read(path, got, n, 0);
	UT_ASSERT(strcmp(got, expected) == 0);
	unlink(path);
}

static void
err_to_errno(void)
{
	UT_ASSERTeq(pmemset_err_to_errno(0), 0);
	UT_ASSERTeq(pmemset_err_to_errno(PMEMSET_E_NOSUPP), ENOTSUP);
	UT_ASSERTeq(pmemset_err_to_errno(PMEMSET_E_UNKNOWN), EINVAL);
	for (int e = PMEMSET_E_INVALID_PMEM2_SOURCE;
	     e >= PMEMSET_E_BADBLOCK_NOSUPP; e--)
		UT_ASSERTeq(pmemset_err_to_errno(e), EINVAL);
	UT_ASSERTeq(pmemset_err_to_errno(INT_MIN), EINVAL);
	UT_ASSERTeq(pmemset_err_to_errno(-300000), EINVAL);

	/*
	 * libpmem2 codes go through pmem2_err_to_errno, which libpmem2 1.12.1
	 * does not export; its rule: NOSUPP -> ENOTSUP, every other code
	 * (all are <= PMEM2_E_UNKNOWN) -> EINVAL
	 */
	UT_ASSERTeq(pmemset_err_to_errno(PMEM2_E_NOSUPP), ENOTSUP);
	int pmem2[] = { PMEM2_E_UNKNOWN,
			PMEM2_E_INVALID_FILE_TYPE,
			PMEM2_E_LENGTH_OUT_OF_RANGE,
			PMEM2_E_IO_FAIL,
			PMEM2_E_NO_BAD_BLOCK_FOUND,
			-100002,
			-199999 };
	for (size_t i = 0; i < sizeof(pmem2) / sizeof(pmem2[0]); i++)
		UT_ASSERTeq(pmemset_err_to_errno(pmem2[i]), EINVAL);

	/* negated errno values */
	UT_ASSERTeq(pmemset_err_to_errno(-ENOENT), ENOENT);
	UT_ASSERTeq(pmemset_err_to_errno(-ENOMEM), ENOMEM);
	UT_ASSERTeq(pmemset_err_to_errno(-ENOTSUP), ENOTSUP);
	UT_ASSERTeq(pmemset_err_to_errno(-EACCES), EACCES);
	UT_ASSERTeq(pmemset_err_to_errno(-1), 1);
	UT_ASSERTeq(pmemset_err_to_errno(-99999), 99999);

	/* positive values are a caller's bug */
	UT_ASSERTeq(pmemset_err_to_errno(1), EINVAL);
	UT_ASSERTeq(pmemset_err_to_errno(ENOENT), EINVAL);
	UT_ASSERTeq(pmemset_err_to_errno(INT_MAX), EINVAL);
}

static char Self[PATH_MAX];

/* run this program as "child" with env set; stderr to err_path */
static int
run_child(const char *level, const char *file, const char *err_path)
{
	pid_t pid = fork();
	UT_ASSERT(pid >= 0);
	if (pid == 0) {
		int fd = open(err_path, O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(3);
		if (level)
			setenv("PMEMSET_LOG_LEVEL", level, 1);
		else
			unsetenv("PMEMSET_LOG_LEVEL");
		if (file)
			setenv("PMEMSET_LOG_FILE", file, 1);
		else
			unsetenv("PMEMSET_LOG_FILE");
		execl(Self, Self, "child", (char *)NULL);
		_exit(4);
	}
	int status;
	UT_ASSERTeq(waitpid(pid, &status, 0), pid);
	UT_ASSERT(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* lines of path that begin with "libpmemset" and hold needle */
static int
log_lines(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	char line[4096];
	int n = 0;
	while (fgets(line, sizeof(line), f))
		n += strncmp(line, "libpmemset", 10) == 0 &&
		     strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

static int
child(void)
{
	return fail_once() == PMEMSET_E_INVALID_SOURCE_PATH ? 0 : 1;
}

static void
log_env(void)
{
	UT_ERR(fail_once(), PMEMSET_E_INVALID_SOURCE_PATH);
	char msg[512];
	snprintf(msg, sizeof(msg), "%s", pmemset_errormsg());
	const char *log = ut_path("log");
	const char *err = ut_path("log-stderr");

	/* level 1 to a file: the failure is logged with its message */
	ut_file(log, 100, 'x'); /* truncated by the library */
	UT_ASSERTeq(run_child("1", log, err), 0);
	UT_ASSERT(log_lines(log, msg) >= 1);
	char first;
	ut_file_read(log, &first, 1, 0);
	UT_ASSERTeq(first, 'l');
	UT_ASSERTeq(log_lines(err, msg), 0);

	/* level 1 without a file: stderr */
	unlink(log);
	UT_ASSERTeq(run_child("1", NULL, err), 0);
	UT_ASSERT(log_lines(err, msg) >= 1);

	/* level 0 (or unset): silent */
	UT_ASSERTeq(run_child("0", log, err), 0);
	UT_ASSERTeq(log_lines(log, "libpmemset"), 0);
	UT_ASSERTeq(log_lines(err, "libpmemset"), 0);
	UT_ASSERTeq(run_child(NULL, NULL, err), 0);
	UT_ASSERTeq(log_lines(err, "libpmemset"), 0);
	unlink(log);
	unlink(err);
}

int
main(int argc, char *argv[])
{
	if (argc > 1 && strcmp(argv[1], "child") == 0)
		return child();
	ssize_t n = readlink("/proc/self/exe", Self, sizeof(Self) - 1);
	UT_ASSERT(n > 0);
	Self[n] = '\0';
	UT_RUN(errormsg_thread_local);
	UT_RUN(errormsg_syscall_cause);
	UT_RUN(perror_line);
	UT_RUN(log_env);
	UT_RUN(err_to_errno);
	return 0;
}
