/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ut.h -- the small test harness of the C tests: checks that report the
 * file, line and values and abort the test program, and per-test scratch
 * files.
 */

#ifndef PMEMSET_UT_H
#define PMEMSET_UT_H 1

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpmemset.h>

#define UT_FAIL(...)                                                           \
	do {                                                                   \
		fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                \
		fprintf(stderr, __VA_ARGS__);                                  \
		fprintf(stderr, " (errormsg: %s)\n", pmemset_errormsg());      \
		abort();                                                       \
	} while (0)

#define UT_ASSERT(cond)                                                        \
	do {                                                                   \
		if (!(cond))                                                   \
			UT_FAIL("assertion failed: %s", #cond);                \
	} while (0)

/* integers compared as long long, both values printed on failure */
#define UT_ASSERTeq(a, b)                                                      \
	do {                                                                   \
		long long ut_a_ = (long long)(a), ut_b_ = (long long)(b);      \
		if (ut_a_ != ut_b_)                                            \
			UT_FAIL("%s (%lld) != %s (%lld)", #a, ut_a_, #b,       \
				ut_b_);                                        \
	} while (0)

#define UT_ASSERTne(a, b)                                                      \
	do {                                                                   \
		long long ut_a_ = (long long)(a), ut_b_ = (long long)(b);      \
		if (ut_a_ == ut_b_)                                            \
			UT_FAIL("%s == %s (%lld)", #a, #b, ut_a_);             \
	} while (0)

/* a call that must succeed */
#define UT_OK(call)                                                            \
	do {                                                                   \
		int ut_r_ = (call);                                            \
		if (ut_r_ != 0)                                                \
			UT_FAIL("%s returned %d", #call, ut_r_);               \
	} while (0)

/* a call that must fail with err and leave a message */
#define UT_ERR(call, err)                                                      \
	do {                                                                   \
		int ut_r_ = (call);                                            \
		if (ut_r_ != (err))                                            \
			UT_FAIL("%s returned %d, expected %s (%d)", #call,     \
				ut_r_, #err, (int)(err));                      \
		if (pmemset_errormsg()[0] == '\0')                             \
			UT_FAIL("%s left no error message", #call);            \
	} while (0)

/* ut_path -- a scratch path for this test program, removed first */
static inline const char *
ut_path(const char *name)
{
	static char buf[8][4096];
	static int next;
	const char *dir = getenv("UT_TMPDIR");
	char *p = buf[next++ % 8];
	snprintf(p, sizeof(buf[0]), "%s/%d-%s", dir ? dir : "/tmp",
		 (int)getpid(), name);
	unlink(p);
	return p;
}

/* ut_dir -- the scratch directory (for temporary sources) */
static inline const char *
ut_dir(void)
{
	const char *dir = getenv("UT_TMPDIR");
	return dir ? dir : "/tmp";
}

/* ut_file -- create a file of size bytes filled with byte c */
static inline void
ut_file(const char *path, size_t size, int c)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		UT_FAIL("open %s: %s", path, strerror(errno));
	char buf[4096];
	memset(buf, c, sizeof(buf));
	for (size_t off = 0; off < size; off += sizeof(buf)) {
		size_t n = size - off < sizeof(buf) ? size - off : sizeof(buf);
		if (pwrite(fd, buf, n, (off_t)off) != (ssize_t)n)
			UT_FAIL("pwrite %s: %s", path, strerror(errno));
	}
	close(fd);
}

static inline size_t
ut_file_size(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		UT_FAIL("stat %s: %s", path, strerror(errno));
	return (size_t)st.st_size;
}

/* ut_file_read -- read len bytes at off from path into buf */
static inline void
ut_file_read(const char *path, void *buf, size_t len, size_t off)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		UT_FAIL("open %s: %s", path, strerror(errno));
	if (pread(fd, buf, len, (off_t)off) != (ssize_t)len)
		UT_FAIL("pread %s: %s", path, strerror(errno));
	close(fd);
}

#define UT_RUN(fn)                                                             \
	do {                                                                   \
		fprintf(stderr, "  %s\n", #fn);                                \
		fn();                                                          \
	} while (0)

#endif /* PMEMSET_UT_H */
