/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_source.c -- source constructors, flags, modes, temporary files,
 * deletion while mapped and alignment (contract §2.6 Sources, §3.7-3.9).
 */

#include <dirent.h>
#include <pwd.h>
#include <sys/wait.h>

#include "ut_core.h"

static struct pmemset_source *const NOT_NULL =
	(struct pmemset_source *)&NOT_NULL;

/* the mode bits of path */
static unsigned
file_mode(const char *path)
{
	struct stat st;
	UT_ASSERTeq(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static void
from_pmem2(void)
{
	struct pmemset_source *src = NOT_NULL;
	UT_ERR(pmemset_source_from_pmem2(&src, NULL),
	       PMEMSET_E_INVALID_PMEM2_SOURCE);
	UT_ASSERT(src == NULL);

	struct pmem2_source *anon;
	UT_ASSERTeq(pmem2_source_from_anon(&anon, 64 * KiB), 0);
	src = NOT_NULL;
	UT_ERR(pmemset_source_from_pmem2(&src, anon),
	       PMEMSET_E_INVALID_PMEM2_SOURCE);
	UT_ASSERT(src == NULL);
	pmem2_source_delete(&anon);

	const char *path = ut_path("pmem2");
	ut_file(path, 64 * KiB, 'p');
	int fd = open(path, O_RDWR);
	UT_ASSERT(fd >= 0);
	struct pmem2_source *p2;
	UT_ASSERTeq(pmem2_source_from_fd(&p2, fd), 0);
	UT_OK(pmemset_source_from_pmem2(&src, p2));

	size_t align = 0;
	UT_OK(pmemset_source_alignment(src, &align));
	UT_ASSERTeq(align, ut_pagesize());

	struct pmemset *set = ut_set(NULL, NULL, NULL);
	char *addr = ut_map(set, src, 0, 0);
	UT_ASSERTeq(addr[0], 'p');
	addr[1] = 'q';
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
	UT_ASSERT(src == NULL);

	/* the caller's descriptor and pmem2 source are untouched */
	UT_ASSERT(fcntl(fd, F_GETFD) != -1);
	char c;
	UT_ASSERTeq(pread(fd, &c, 1, 1), 1);
	UT_ASSERTeq(c, 'q');
	size_t size;
	UT_ASSERTeq(pmem2_source_size(p2, &size), 0);
	UT_ASSERTeq(size, 64 * KiB);
	pmem2_source_delete(&p2);
	close(fd);
}

static void
from_file_errors(void)
{
	struct pmemset_source *src = NOT_NULL;
	UT_ERR(pmemset_source_from_file(&src, NULL),
	       PMEMSET_E_INVALID_SOURCE_PATH);
	UT_ASSERT(src == NULL);

	src = NOT_NULL;
	UT_ERR(pmemset_source_from_file(&src, ut_path("missing")),
	       PMEMSET_E_INVALID_SOURCE_PATH);
	UT_ASSERT(src == NULL);

	/* a directory cannot be opened read-write (or is not a file type) */
	src = NOT_NULL;
	int ret = pmemset_source_from_file(&src, ut_dir());
	UT_ASSERT(ret == -EISDIR || ret == PMEM2_E_INVALID_FILE_TYPE);
	UT_ASSERT(pmemset_errormsg()[0] != '\0');
	UT_ASSERT(src == NULL);
}

/* as an unprivileged user, a file without permissions gives -EACCES */
static void
from_file_no_permission(void)
{
	const char *path = ut_path("noperm");
	ut_file(path, 4096, 'x');
	UT_ASSERTeq(chmod(path, 0), 0);
	pid_t pid = fork();
	UT_ASSERT(pid >= 0);
	if (pid == 0) {
		if (geteuid() == 0) {
			struct passwd *pw = getpwnam("nobody");
			if (!pw || setgid(pw->pw_gid) || setuid(pw->pw_uid))
				_exit(2);
		}
		struct pmemset_source *src = NOT_NULL;
		int r = pmemset_source_from_file(&src, path);
		_exit(r == -EACCES && src == NULL &&
				      strstr(pmemset_errormsg(),
					     strerror(EACCES)) != NULL
			      ? 0
			      : 1);
	}
	int status;
	UT_ASSERTeq(waitpid(pid, &status, 0), pid);
	UT_ASSERT(WIFEXITED(status));
	if (WEXITSTATUS(status) == 2) {
		fprintf(stderr, "    skipped: cannot drop privileges\n");
		return;
	}
	UT_ASSERTeq(WEXITSTATUS(status), 0);
	unlink(path);
}

static void
xsource_flags(void)
{
	struct pmemset_source *src = NOT_NULL;
	const char *path = ut_path("xflags");

	UT_ERR(pmemset_xsource_from_file(&src, NULL,
					 PMEMSET_SOURCE_FILE_CREATE_ALWAYS),
	       PMEMSET_E_INVALID_SOURCE_PATH);
	UT_ASSERT(src == NULL);

	/* bad flags are refused before the file is touched */
	uint64_t bad[] = {
		PMEMSET_SOURCE_FILE_CREATE_MODE(90180),
		PMEMSET_SOURCE_FILE_CREATE_ALWAYS | (1U << 3),
		PMEMSET_SOURCE_FILE_CREATE_ALWAYS |
			PMEMSET_SOURCE_FILE_CREATE_MODE(01000),
		1ULL << 31,
		1ULL << 63,
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		src = NOT_NULL;
		UT_ERR(pmemset_xsource_from_file(&src, path, bad[i]),
		       PMEMSET_E_INVALID_SOURCE_FILE_CREATE_FLAGS);
		UT_ASSERT(src == NULL);
		UT_ASSERT(access(path, F_OK) != 0);
	}
	/* NULL path wins over bad flags */
	UT_ERR(pmemset_xsource_from_file(
		       &src, NULL, PMEMSET_SOURCE_FILE_CREATE_MODE(90180)),
	       PMEMSET_E_INVALID_SOURCE_PATH);

	/* no create flag: a missing file is an invalid path, for any flags */
	UT_ERR(pmemset_xsource_from_file(&src, path, 0),
	       PMEMSET_E_INVALID_SOURCE_PATH);
	UT_ERR(pmemset_xsource_from_file(&src, path,
					 PMEMSET_SOURCE_FILE_DO_NOT_GROW),
	       PMEMSET_E_INVALID_SOURCE_PATH);
	UT_ERR(pmemset_xsource_from_file(&src, path,
					 PMEMSET_SOURCE_FILE_CREATE_MODE(0600)),
	       PMEMSET_E_INVALID_SOURCE_PATH);
	UT_ASSERT(access(path, F_OK) != 0);
}

static void
xsource_create(void)
{
	struct pmemset_source *src;
	const char *path = ut_path("xcreate");
	char c;

	/* CREATE_ALWAYS: creates a missing file */
	UT_OK(pmemset_xsource_from_file(&src, path,
					PMEMSET_SOURCE_FILE_CREATE_ALWAYS));
	UT_ASSERTeq(ut_file_size(path), 0);
	UT_OK(pmemset_source_delete(&src));

	/* CREATE_ALWAYS: truncates an existing one */
	ut_file(path, 64 * KiB, 'z');
	UT_OK(pmemset_xsource_from_file(&src, path,
					PMEMSET_SOURCE_FILE_CREATE_ALWAYS));
	UT_ASSERTeq(ut_file_size(path), 0);
	UT_OK(pmemset_source_delete(&src));

	/* ... also when CREATE_IF_NEEDED is given too */
	ut_file(path, 64 * KiB, 'z');
	UT_OK(pmemset_xsource_from_file(
		&src, path,
		PMEMSET_SOURCE_FILE_CREATE_ALWAYS |
			PMEMSET_SOURCE_FILE_CREATE_IF_NEEDED));
	UT_ASSERTeq(ut_file_size(path), 0);
	UT_OK(pmemset_source_delete(&src));

	/* CREATE_IF_NEEDED: an existing file keeps size and data */
	ut_file(path, 64 * KiB, 'k');
	UT_OK(pmemset_xsource_from_file(&src, path,
					PMEMSET_SOURCE_FILE_CREATE_IF_NEEDED));
	UT_ASSERTeq(ut_file_size(path), 64 * KiB);
	ut_file_read(path, &c, 1, 64 * KiB - 1);
	UT_ASSERTeq(c, 'k');
	UT_OK(pmemset_source_delete(&src));

	/* CREATE_IF_NEEDED: creates a missing one */
	unlink(path);
	UT_OK(pmemset_xsource_from_file(&src, path,
					PMEMSET_SOURCE_FILE_CREATE_IF_NEEDED));
	UT_ASSERTeq(ut_file_size(path), 0);

	/* an existing file without flags: opened as is */
	struct pmemset_source *again;
	UT_OK(pmemset_xsource_from_file(&again, path, 0));
	UT_OK(pmemset_source_delete(&again));
	UT_OK(pmemset_source_delete(&src));
	unlink(path);
}

static void
xsource_modes(void)
{
	struct pmemset_source *src;
	const char *path = ut_path("xmode");
	mode_t old = umask(022);

	UT_OK(pmemset_xsource_from_file(
		&src, path, PMEMSET_SOURCE_FILE_CREATE_ALWAYS_MODE(0666)));
	UT_ASSERTeq(file_mode(path), 0644);
	UT_OK(pmemset_source_delete(&src));
	unlink(path);

	UT_OK(pmemset_xsource_from_file(
		&src, path,
		PMEMSET_SOURCE_FILE_CREATE_IF_NEEDED |
			PMEMSET_SOURCE_FILE_CREATE_MODE(
				PMEMSET_SOURCE_FILE_RWXU_MODE)));
	UT_ASSERTeq(file_mode(path), 0700);
	UT_OK(pmemset_source_delete(&src));

	/* mode bits are ignored for an existing file */
	UT_OK(pmemset_xsource_from_file(
		&src, path, PMEMSET_SOURCE_FILE_CREATE_ALWAYS_MODE(0640)));
	UT_ASSERTeq(file_mode(path), 0700);
	UT_OK(pmemset_source_delete(&src));
	unlink(path);

	/* default 0644, umask applied */
	umask(0);
	UT_OK(pmemset_xsource_from_file(&src, path,
					PMEMSET_SOURCE_FILE_CREATE_ALWAYS));
	UT_ASSERTeq(file_mode(path), 0644);
	UT_OK(pmemset_source_delete(&src));
	unlink(path);
	umask(077);
	UT_OK(pmemset_xsource_from_file(
		&src, path, PMEMSET_SOURCE_FILE_CREATE_ALWAYS_MODE(0777)));
	UT_ASSERTeq(file_mode(path), 0700);
	UT_OK(pmemset_source_delete(&src));
	unlink(path);
	umask(022);

	/* created read-only, still opened read-write by the creating call */
	UT_OK(pmemset_xsource_from_file(
		&src, path, PMEMSET_SOURCE_FILE_CREATE_ALWAYS_MODE(0400)));
	UT_ASSERTeq(file_mode(path), 0400);
	struct pmemset *set = ut_set(NULL, NULL, NULL);
	char *addr = ut_map(set, src, 0, 64 * KiB);
	memset(addr, 'w', 64 * KiB);
	UT_OK(pmemset_delete(&set));
	UT_OK(pmemset_source_delete(&src));
	char c;
	ut_file_read(path, &c, 1, 4096);
	UT_ASSERTeq(c, 'w');
	unlink(path);
	umask(old);
}

/* the number of entries of dir other than . and .. */
static int
dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	UT_ASSERT(d != NULL);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static void
temporary(void)
{
	struct pmemset_source *src = NOT_NULL;
	UT_ERR(pmemset_source_from_temporary(&src, NULL),
	       PMEMSET_E_INVALID_SOURCE_PATH);
	UT_ASSERT(src == NULL);
	src = NOT_NULL;
	UT_ERR(pmemset_source_from_temporary(&src, ut_path("nodir")),
	       PMEMSET_E_INVALID_SOURCE_PATH);
	UT_ASSERT(src == NULL);

	const char *file = ut_path("notadir");
	ut_file(file, 4096, 'f');
	src = NOT_NULL;
	UT_ERR(pmemset_source_from_temporary(&src, file),
	       PMEMSET_E_CANNOT_CREATE_TEMP_FILE);
	UT_ASSERT(src == NULL);
	unlink(file);

	const char *dir = ut_path("tmpdir");
	UT_ASSERTeq(mkdir(dir, 0700), 0);
	UT_OK(pmemset_source_from_temporary(&src, dir));
	UT_ASSERTeq(dir_entries(dir), 0); /* nothing visible */

	/* size 0: a whole-source map has no length; it grows on map */
	struct pmemset *set = ut_set(NULL, NULL, NULL);
	UT_ERR(pmemset_map(set, src, NULL, NULL), PMEMSET_E_MAP_LENGTH_UNSET);
	char *addr = ut_map(set, src, 64 * KiB, 64 * KiB);
	UT_ASSERTeq(addr[0], 0);
	memset(addr, 't', 64 * KiB);
	/* now 128 KiB: length 0 maps the whole current size */
	struct pmemset_part_descriptor d;
	UT_OK(pmemset_map(set, src, NULL, &d));
	UT_ASSERTeq(d.size, 128 * KiB);
	UT_ASSERTeq(((char *)d.addr)[64 * KiB], 't');
	UT_ASSERTeq(((char *)d.addr)[0], 0);

	size_t align = 0;
	UT_OK(pmemset_source_alignment(src, &align));
	UT_ASSERTeq(align, ut_pagesize());

	UT_OK(pmemset_source_delete(&src));
	UT_ASSERTeq(dir_entries(dir), 0);
	UT_ASSERTeq(((char *)d.addr)[64 * KiB], 't'); /* parts stay */
	UT_OK(pmemset_delete(&set));
	UT_ASSERTeq(rmdir(dir), 0);
}

/* a source may be deleted while its parts stay mapped and usable */
static void
delete_while_mapped(void)
{
	const char *path = ut_path("delmapped");
	ut_file(path, 128 * KiB, 'o');
	struct pmemset_source *src;
	UT_OK(pmemset_source_from_file(&src, path));
	struct pmemset *set = ut_set(NULL, NULL, NULL);
	char *a = ut_map(set, src, 0, 64 * KiB);
	char *b = ut_map(set, src, 64 * KiB, 64 * KiB);
	UT_OK(pmemset_source_delete(&src));
	UT_ASSERT(src == NULL);
	UT_OK(pmemset_source_delete(&src)); /* NULL: no-op */

	UT_ASSERTeq(a[100], 'o');
	memset(a, '1', 64 * KiB);
	memset(b, '2', 64 * KiB);
	UT_OK(pmemset_persist(set, a, 64 * KiB));
	UT_OK(pmemset_persist(set, b, 64 * KiB));
	/* removing a part of a deleted source must not touch the source */
	UT_OK(pmemset_remove_range(set, a, 64 * KiB));
	UT_ASSERTeq(b[0], '2');
	UT_OK(pmemset_delete(&set));

	char buf[2];
	ut_file_read(path, &buf[0], 1, 0);
	ut_file_read(path, &buf[1], 1, 128 * KiB - 1);
	UT_ASSERTeq(buf[0], '1');
	UT_ASSERTeq(buf[1], '2');
	unlink(path);
}

/* one source mapped into two sets, several times */
static void
shared_source(void)
{
	struct pmemset_source *src = ut_source("shared", 64 * KiB, 's');
	struct pmemset *s1 = ut_set(NULL, NULL, NULL);
	struct pmemset *s2 = ut_set(NULL, NULL, NULL);
	char *a = ut_map(s1, src, 0, 0);
	char *b = ut_map(s2, src, 0, 0);
	char *c = ut_map(s1, src, 0, 0);
	UT_ASSERT(a != b && a != c);
	a[10] = 'X';
	UT_ASSERTeq(b[10], 'X'); /* same file, shared mappings */
	UT_ASSERTeq(c[10], 'X');
	UT_OK(pmemset_delete(&s1));
	UT_ASSERTeq(b[10], 'X');
	UT_OK(pmemset_delete(&s2));
	UT_OK(pmemset_source_delete(&src));
}

int
main(void)
{
	UT_RUN(from_pmem2);
	UT_RUN(from_file_errors);
	UT_RUN(from_file_no_permission);
	UT_RUN(xsource_flags);
	UT_RUN(xsource_create);
	UT_RUN(xsource_modes);
	UT_RUN(temporary);
	UT_RUN(delete_while_mapped);
	UT_RUN(shared_source);
	return 0;
}
