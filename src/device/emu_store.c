/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * emu_store.c -- the emulated-device description on disk.
 *
 * Writers serialise on flock() of a side file "<description>.lock" (flock
 * locks belong to open file descriptions, so threads of one process exclude
 * each other as processes do) and replace the description by rename(), so
 * readers never take a lock and never see half a file.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu_store.h"

#define EMU_ENV	     "PMEMSET_EMULATE"
#define EMU_MAX_SIZE (64u << 20) /* a description is a few lines */

static pthread_mutex_t selected_lock = PTHREAD_MUTEX_INITIALIZER;
static char *selected;	  /* absolute path, NULL: emulation off */
static int selected_init; /* PMEMSET_EMULATE has been read */

/* the selection goes with the library (a dlclose'd module would leak it) */
__attribute__((destructor)) static void
selected_fini(void)
{
	free(selected);
	selected = NULL;
}

/* absolute -- path made absolute without requiring it to exist */
static char *
absolute(const char *path)
{
	if (path[0] == '/')
		return strdup(path);
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		return NULL;
	size_t n = strlen(cwd) + strlen(path) + 2;
	char *abs = malloc(n);
	if (abs)
		snprintf(abs, n, "%s/%s", cwd, path);
	return abs;
}

/* selected_from_env -- first use: PMEMSET_EMULATE, called under the lock */
static void
selected_from_env(void)
{
	if (selected_init)
		return;
	selected_init = 1;
	const char *env = secure_getenv(EMU_ENV);
	if (env && env[0])
		selected = absolute(env);
}

char *
emu_store_selected(int *err)
{
	*err = 0;
	pthread_mutex_lock(&selected_lock);
	selected_from_env();
	char *copy = selected ? strdup(selected) : NULL;
	pthread_mutex_unlock(&selected_lock);
	if (selected && !copy)
		*err = emu_error(-ENOMEM, "out of memory");
	return copy;
}

static int
keep(struct emu_state *st, void *arg)
{
	(void)st;
	(void)arg;
	return 0;
}

static int
check(const char *path)
{
	struct emu_state st;
	int ret = emu_store_load(path, &st);
	if (ret == 0)
		emu_state_clear(&st);
	return ret;
}

int
emu_store_select(const char *path)
{
	char *abs = NULL;
	if (path) {
		if (path[0] == '\0')
			return emu_error(-EINVAL, "empty description path");
		abs = absolute(path);
		if (!abs)
			return emu_error(-errno, "cannot resolve '%s': %s",
					 path, strerror(errno));
		/* creates a missing file, refuses a broken one */
		int ret = access(abs, F_OK) == 0
				  ? check(abs)
				  : emu_store_update(abs, keep, NULL);
		if (ret) {
			free(abs);
			return ret;
		}
	}
	pthread_mutex_lock(&selected_lock);
	selected_init = 1;
	free(selected);
	selected = abs;
	pthread_mutex_unlock(&selected_lock);
	return 0;
}

/* read_all -- the whole file into a malloc'd buffer; ENOENT gives "" */
static int
read_all(const char *path, char **text, size_t *len)
{
	*text = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT
			       ? 0
			       : emu_error(-errno, "cannot open '%s': %s", path,
					   strerror(errno));
	int ret = 0;
	struct stat st;
	if (fstat(fd, &st) != 0) {
		ret = emu_error(-errno, "cannot stat '%s': %s", path,
				strerror(errno));
	} else if (!S_ISREG(st.st_mode) || st.st_size > EMU_MAX_SIZE) {
		ret = emu_error(-EINVAL,
				"'%s' is not a regular file of at most %u "
				"bytes",
				path, EMU_MAX_SIZE);
	} else if (!(*text = malloc((size_t)st.st_size + 1))) {
		ret = emu_error(-ENOMEM, "out of memory");
	} else {
		ssize_t n;
		while (*len < (size_t)st.st_size &&
		       (n = read(fd, *text + *len,
				 (size_t)st.st_size - *len)) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				ret = emu_error(-errno, "cannot read '%s': %s",
						path, strerror(errno));
				break;
			}
			*len += (size_t)n;
		}
	}
	close(fd);
	if (ret) {
		free(*text);
		*text = NULL;
		*len = 0;
	}
	return ret;
}

int
emu_store_load(const char *path, struct emu_state *st)
{
	memset(st, 0, sizeof(*st));
	char *text;
	size_t len;
	int ret = read_all(path, &text, &len);
	if (ret)
		return ret;
	ret = emu_state_parse(st, text ? text : "", len);
	free(text);
	if (ret) {
		char why[1024];
		snprintf(why, sizeof(why), "%s", emu_errormsg());
		emu_error(ret, "%s: %s", path, why);
	}
	return ret;
}

/* write_all -- the whole buffer, retrying short writes */
static int
write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fsync_dir -- make the rename itself durable */
static void
fsync_dir(const char *path)
{
	char *dir = strdup(path);
	if (!dir)
		return;
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

/* replace -- write text to a temporary file and rename it over path */
static int
replace(const char *path, const char *text, size_t len)
{
	size_t n = strlen(path) + 8;
	char *tmp = malloc(n);
	if (!tmp)
		return emu_error(-ENOMEM, "out of memory");
	snprintf(tmp, n, "%s.XXXXXX", path);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		int ret = emu_error(-errno, "cannot create '%s': %s", tmp,
				    strerror(errno));
		free(tmp);
		return ret;
	}
	int ret = write_all(fd, text, len);
	if (ret == 0 && fchmod(fd, 0644) != 0)
		ret = -errno;
	if (ret == 0 && fsync(fd) != 0)
		ret = -errno;
	if (close(fd) != 0 && ret == 0)
		ret = -errno;
	if (ret == 0 && rename(tmp, path) != 0)
		ret = -errno;
	if (ret) {
		emu_error(ret, "cannot write '%s': %s", path, strerror(-ret));
		unlink(tmp);
	} else {
		fsync_dir(path);
	}
	free(tmp);
	return ret;
}

/* lock -- the side lock file, held exclusively; -errno on failure */
static int
lock(const char *path)
{
	size_t n = strlen(path) + 6;
	char *name = malloc(n);
	if (!name)
		return emu_error(-ENOMEM, "out of memory");
	snprintf(name, n, "%s.lock", path);
	int fd = open(name, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	int ret = fd;
	if (fd < 0) {
		ret = emu_error(-errno, "cannot open '%s': %s", name,
				strerror(errno));
	} else {
		while (flock(fd, LOCK_EX) != 0) {
			if (errno == EINTR)
				continue;
			ret = emu_error(-errno, "cannot lock '%s': %s", name,
					strerror(errno));
			close(fd);
			break;
		}
	}
	free(name);
	return ret;
}

int
emu_store_update(const char *path, emu_edit_fn *edit, void *arg)
{
	int lockfd = lock(path);
	if (lockfd < 0)
		return lockfd;
	struct emu_state st;
	int ret = emu_store_load(path, &st);
	if (ret == 0)
		ret = edit(&st, arg);
	if (ret == 0)
		ret = emu_state_validate(&st);
	size_t len = 0;
	char *text = NULL;
	if (ret == 0 && !(text = emu_state_format(&st, &len)))
		ret = -ENOMEM;
	if (ret == 0)
		ret = replace(path, text, len);
	free(text);
	emu_state_clear(&st);
	close(lockfd); /* releases the lock */
	return ret;
}
