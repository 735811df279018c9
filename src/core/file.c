/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * file.c -- the files behind file and temporary sources.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpmemset.h>

#include "err.h"
#include "file.h"

#define DEFAULT_CREATE_MODE 0644

int
file_open(const char *path, uint64_t flags, int *fd)
{
	int oflags = O_RDWR | O_CLOEXEC;
	if (flags & PMEMSET_SOURCE_FILE_CREATE_ALWAYS)
		oflags |= O_CREAT | O_TRUNC;
	else if (flags & PMEMSET_SOURCE_FILE_CREATE_IF_NEEDED)
		oflags |= O_CREAT;

	mode_t mode = FILE_CREATE_MODE_FROM_FLAG(flags);
	if (mode == 0)
		mode = DEFAULT_CREATE_MODE;

	*fd = open(path, oflags, mode);
	if (*fd >= 0)
		return 0;
	int e = errno;
	if (e == ENOENT)
		return err_errno(PMEMSET_E_INVALID_SOURCE_PATH, e,
				 "cannot open source file \"%s\"", path);
	return err_errno(-e, e, "cannot open source file \"%s\"", path);
}

/* temporary_fallback -- mkstemp and unlink, where O_TMPFILE is refused */
static int
temporary_fallback(const char *dir, int *fd)
{
	char tmpl[PATH_MAX];
	int n = snprintf(tmpl, sizeof(tmpl), "%s/pmemset.XXXXXX", dir);
	if (n < 0 || (size_t)n >= sizeof(tmpl))
		return err_msg(PMEMSET_E_CANNOT_CREATE_TEMP_FILE,
			       "temporary directory path \"%s\" is too long",
			       dir);
	*fd = mkostemp(tmpl, O_CLOEXEC);
	if (*fd < 0)
		return err_errno(PMEMSET_E_CANNOT_CREATE_TEMP_FILE, errno,
				 "cannot create a temporary file in \"%s\"",
				 dir);
	unlink(tmpl);
	return 0;
}

int
file_open_temporary(const char *dir, int *fd)
{
	struct stat st;
	if (stat(dir, &st) != 0)
		return err_errno(PMEMSET_E_INVALID_SOURCE_PATH, errno,
				 "temporary directory \"%s\"", dir);
	if (!S_ISDIR(st.st_mode))
		return err_msg(PMEMSET_E_CANNOT_CREATE_TEMP_FILE,
			       "\"%s\" is not a directory", dir);

	*fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (*fd >= 0)
		return 0;
	/* file systems without O_TMPFILE answer EOPNOTSUPP or EISDIR */
	if (errno == EOPNOTSUPP || errno == EISDIR)
		return temporary_fallback(dir, fd);
	return err_errno(PMEMSET_E_CANNOT_CREATE_TEMP_FILE, errno,
			 "cannot create a temporary file in \"%s\"", dir);
}

int
file_grow(int fd, size_t size)
{
	if (size > INT64_MAX)
		return err_msg(
			PMEMSET_E_CANNOT_GROW_SOURCE_FILE,
			"cannot grow the source file to %zu bytes: more than "
			"INT64_MAX",
			size);
	if (ftruncate(fd, (off_t)size) != 0)
		return err_errno(PMEMSET_E_CANNOT_GROW_SOURCE_FILE, errno,
				 "cannot grow the source file to %zu bytes",
				 size);
	return 0;
}

char *
file_path_of_fd(int fd)
{
	char link[64], path[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		return NULL;
	path[n] = '\0';
	return strdup(path);
}
