/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * source.c -- pmemset_source_*: file, temporary and pmem2 sources.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "device.h"
#include "err.h"
#include "file.h"
#include "pmemset_ext.h"
#include "source.h"

static int
source_alloc(struct pmemset_source **src, enum source_type type)
{
	*src = calloc(1, sizeof(**src));
	if (*src == NULL)
		return err_errno(-ENOMEM, ENOMEM, "cannot allocate a source");
	(*src)->type = type;
	(*src)->fd = -1;
	(*src)->growable = true;
	(*src)->refs = 1;
	pthread_mutex_init(&(*src)->lock, NULL);
	return 0;
}

static void
source_free(struct pmemset_source *src)
{
	pthread_mutex_destroy(&src->lock);
	free(src);
}

/* source_close -- give back the file, the pmem2 source and the device */
static void
source_close(struct pmemset_source *src)
{
	device_detach(&src->dev);
	if (src->type != SOURCE_PMEM2) {
		if (src->pmem2)
			pmem2_source_delete(&src->pmem2);
		if (src->fd >= 0)
			close(src->fd);
	}
	src->pmem2 = NULL;
	src->fd = -1;
	free(src->path);
	src->path = NULL;
}

/* source_finish -- the pmem2 source and device of an open descriptor */
static int
source_finish(struct pmemset_source *src)
{
	int ret;
	if (src->type != SOURCE_PMEM2) {
		ret = pmem2_source_from_fd(&src->pmem2, src->fd);
		if (ret)
			return err_pmem2(
				ret, ret,
				"cannot create a pmem2 source for \"%s\"",
				src->path ? src->path : "(unnamed)");
	}
	if (src->path == NULL)
		src->path = file_path_of_fd(src->fd);
	ret = device_attach(&src->dev, src->pmem2, src->fd, src->path);
	if (ret) {
		const char *why = device_errormsg();
		return err_msg(ret,
			       "cannot attach the device of \"%s\" (%d)%s%s",
			       src->path ? src->path : "(unnamed)", ret,
			       why[0] ? ": " : "", why);
	}
	return 0;
}

/*
 * source_publish -- after the open step (ret), finish the source into *src,
 * or undo everything
 */
static int
source_publish(struct pmemset_source *s, int ret, struct pmemset_source **src)
{
	if (ret == 0)
		ret = source_finish(s);
	if (ret) {
		source_close(s);
		source_free(s);
		return ret;
	}
	*src = s;
	return 0;
}

int
pmemset_source_from_pmem2(struct pmemset_source **src,
			  struct pmem2_source *pmem2_src)
{
	LOG(LOG_CALLS, "pmemset_source_from_pmem2(src %p, pmem2_src %p)",
	    (void *)src, (void *)pmem2_src);
	if (src == NULL)
		return err_msg(-EINVAL, "source pointer is NULL");
	*src = NULL;
	if (pmem2_src == NULL)
		return err_msg(PMEMSET_E_INVALID_PMEM2_SOURCE,
			       "pmem2 source is NULL");
	int fd;
	if (pmem2_source_get_fd(pmem2_src, &fd) != 0 || fd < 0)
		return err_msg(PMEMSET_E_INVALID_PMEM2_SOURCE,
			       "pmem2 source has no file descriptor (anonymous "
			       "sources cannot back a part)");

	struct pmemset_source *s;
	int ret = source_alloc(&s, SOURCE_PMEM2);
	if (ret)
		return ret;
	s->pmem2 = pmem2_src;
	s->fd = fd;
	return source_publish(s, 0, src);
}

int
pmemset_xsource_from_file(struct pmemset_source **src, const char *file,
			  uint64_t flags)
{
	LOG(LOG_CALLS,
	    "pmemset_xsource_from_file(src %p, file %s, flags 0x%llx)",
	    (void *)src, file ? file : "(null)", (unsigned long long)flags);
	if (src == NULL)
		return err_msg(-EINVAL, "source pointer is NULL");
	*src = NULL;
	if (file == NULL || *file == '\0')
		return err_msg(PMEMSET_E_INVALID_SOURCE_PATH,
			       "source file path is empty");
	if (flags & ~PMEMSET_SOURCE_FILE_CREATE_VALID_FLAGS)
		return err_msg(
			PMEMSET_E_INVALID_SOURCE_FILE_CREATE_FLAGS,
			"invalid source file flags 0x%llx (valid: 0x%llx)",
			(unsigned long long)flags,
			(unsigned long long)
				PMEMSET_SOURCE_FILE_CREATE_VALID_FLAGS);

	struct pmemset_source *s;
	int ret = source_alloc(&s, SOURCE_FILE);
	if (ret)
		return ret;
	s->growable = !(flags & PMEMSET_SOURCE_FILE_DO_NOT_GROW);
	s->path = strdup(file);
	if (s->path == NULL)
		ret = err_errno(-ENOMEM, ENOMEM, "cannot copy the path");
	else
		ret = file_open(file, flags, &s->fd);
	return source_publish(s, ret, src);
}

int
pmemset_source_from_file(struct pmemset_source **src, const char *file)
{
	return pmemset_xsource_from_file(src, file, 0);
}

int
pmemset_source_from_temporary(struct pmemset_source **src, const char *dir)
{
	LOG(LOG_CALLS, "pmemset_source_from_temporary(src %p, dir %s)",
	    (void *)src, dir ? dir : "(null)");
	if (src == NULL)
		return err_msg(-EINVAL, "source pointer is NULL");
	*src = NULL;
	if (dir == NULL || *dir == '\0')
		return err_msg(PMEMSET_E_INVALID_SOURCE_PATH,
			       "temporary directory path is empty");

	struct pmemset_source *s;
	int ret = source_alloc(&s, SOURCE_TEMPORARY);
	if (ret)
		return ret;
	ret = file_open_temporary(dir, &s->fd);
	return source_publish(s, ret, src);
}

void
source_hold(struct pmemset_source *src)
{
	pthread_mutex_lock(&src->lock);
	src->refs++;
	pthread_mutex_unlock(&src->lock);
}

void
source_release(struct pmemset_source *src)
{
	pthread_mutex_lock(&src->lock);
	int left = --src->refs;
	pthread_mutex_unlock(&src->lock);
	if (left == 0)
		source_free(src);
}

int
pmemset_source_delete(struct pmemset_source **src)
{
	LOG(LOG_CALLS, "pmemset_source_delete(src %p)", (void *)src);
	if (src == NULL || *src == NULL)
		return 0;
	struct pmemset_source *s = *src;
	*src = NULL;
	pthread_mutex_lock(&s->lock);
	s->closed = true;
	pthread_mutex_unlock(&s->lock);
	/* parts keep their mappings; nothing of theirs needs the file */
	source_close(s);
	source_release(s);
	return 0;
}

int
source_fd(struct pmemset_source *src)
{
	return src->fd;
}

int
pmemset_source_set_sds(struct pmemset_source *src, struct pmemset_sds *sds,
		       enum pmemset_part_state *state_ptr)
{
	LOG(LOG_CALLS, "pmemset_source_set_sds(src %p, sds %p, state_ptr %p)",
	    (void *)src, (void *)sds, (void *)state_ptr);
	if (src == NULL)
		return err_msg(-EINVAL, "source is NULL");
	if (sds == NULL)
		return err_msg(-EINVAL, "SDS is NULL");
	pthread_mutex_lock(&src->lock);
	if (src->has_sds) {
		pthread_mutex_unlock(&src->lock);
		return err_msg(PMEMSET_E_SDS_ALREADY_SET,
			       "the source already has an SDS");
	}
	src->sds = *sds;
	/* a caller's record may lack the terminator: compare safely later */
	src->sds.id[PMEMSET_SDS_DEVICE_ID_LEN] = '\0';
	src->state_ptr = state_ptr;
	src->has_sds = true;
	pthread_mutex_unlock(&src->lock);
	return 0;
}

void
pmemset_source_set_badblock_detection(struct pmemset_source *src, bool value)
{
	if (src)
		src->badblock_detection = value;
}

int
pmemset_source_alignment(struct pmemset_source *src, size_t *alignment)
{
	if (src == NULL || src->pmem2 == NULL)
		return err_msg(PMEMSET_E_INVALID_ALIGNMENT_VALUE,
			       "source is NULL or deleted");
	if (alignment == NULL)
		return err_msg(-EINVAL, "alignment pointer is NULL");
	size_t a;
	int ret = pmem2_source_alignment(src->pmem2, &a);
	if (ret)
		return err_pmem2(PMEMSET_E_INVALID_ALIGNMENT_VALUE, ret,
				 "cannot read the source alignment");
	*alignment = a;
	return 0;
}

const char *
pmemset_source_get_path(struct pmemset_source *src)
{
	return src ? src->path : NULL;
}
