/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * emu.c -- pmemset_emu_*: select, edit and list emulated devices, over the
 * device layer's description store (src/device/emu_store.h); the messages
 * of the device layer become pmemset_errormsg()'s here.
 */

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libpmemset.h>
#include <pmemset_emu.h>

#include "emu_store.h"
#include "err.h"

struct pmemset_emu_state {
	struct emu_state st;
};

/* report -- hand the emulation's message to pmemset_errormsg() */
static int
report(int code)
{
	return err_msg(code, "%s", emu_errormsg());
}

/* selected -- the description in use, or PMEMSET_E_NOSUPP */
static int
selected(char **desc)
{
	int ret;
	*desc = emu_store_selected(&ret);
	if (*desc)
		return 0;
	if (ret)
		return report(ret);
	return err_msg(PMEMSET_E_NOSUPP,
		       "no emulated-device description selected (set "
		       "PMEMSET_EMULATE or call pmemset_emu_select)");
}

/* update -- one locked edit of the selected description */
static int
update(emu_edit_fn *edit, void *arg)
{
	char *desc;
	int ret = selected(&desc);
	if (ret)
		return ret;
	ret = emu_store_update(desc, edit, arg);
	free(desc);
	return ret ? report(ret) : 0;
}

/* resolve -- realpath of an existing file or directory */
static int
resolve(const char *path, const char *what, char **real)
{
	*real = NULL;
	if (!path || !path[0])
		return err_msg(-EINVAL, "%s path is empty", what);
	*real = realpath(path, NULL);
	if (!*real)
		return err_errno(-errno, errno, "cannot resolve %s '%s'", what,
				 path);
	return 0;
}

int
pmemset_emu_select(const char *path)
{
	int ret = emu_store_select(path);
	return ret ? report(ret) : 0;
}

int
pmemset_emu_selected(char *buf, size_t size)
{
	int ret;
	char *desc = emu_store_selected(&ret);
	if (!desc)
		return ret ? report(ret) : err_msg(-ENOENT, "emulation is off");
	if (!buf || strlen(desc) >= size) {
		ret = err_msg(-ERANGE, "the path needs %zu bytes",
			      strlen(desc) + 1);
	} else {
		memcpy(buf, desc, strlen(desc) + 1);
	}
	free(desc);
	return ret;
}

struct device_arg {
	const char *id;
	uint64_t usc;
	const char *path;
	uint64_t *out;
	int add; /* for set_usc: 0 sets usc, 1 adds one */
};

static int
add_device(struct emu_state *st, void *arg)
{
	struct device_arg *a = arg;
	return emu_state_add_device(st, a->id, a->usc, a->path, 0);
}

int
pmemset_emu_device_add(const char *id, uint64_t usc, const char *path)
{
	if (!id || !id[0])
		return err_msg(-EINVAL, "device id is empty");
	if (strlen(id) > EMU_ID_MAX)
		return err_msg(-EINVAL, "device id longer than %d bytes",
			       EMU_ID_MAX);
	char *real;
	int ret = resolve(path, "device", &real);
	if (ret)
		return ret;
	struct device_arg a = { .id = id, .usc = usc, .path = real };
	ret = update(add_device, &a);
	free(real);
	return ret;
}

/* find -- the device called id, or -ENOENT */
static int
find(struct emu_state *st, const char *id, struct emu_device **dev)
{
	*dev = id ? emu_state_find_id(st, id) : NULL;
	if (*dev)
		return 0;
	return emu_error(-ENOENT, "no emulated device '%.64s'",
			 id ? id : "(null)");
}

static int
remove_device(struct emu_state *st, void *arg)
{
	struct device_arg *a = arg;
	struct emu_device *dev;
	int ret = find(st, a->id, &dev);
	if (ret == 0)
		emu_state_remove_device(st, dev);
	return ret;
}

int
pmemset_emu_device_remove(const char *id)
{
	if (!id)
		return err_msg(-EINVAL, "device id is NULL");
	struct device_arg a = { .id = id };
	return update(remove_device, &a);
}

static int
change_usc(struct emu_state *st, void *arg)
{
	struct device_arg *a = arg;
	struct emu_device *dev;
	int ret = find(st, a->id, &dev);
	if (ret)
		return ret;
	if (a->add && dev->usc == UINT64_MAX)
		return emu_error(-EOVERFLOW, "usc of '%.64s' is at its maximum",
				 a->id);
	dev->usc = a->add ? dev->usc + 1 : a->usc;
	if (a->out)
		*a->out = dev->usc;
	return 0;
}

int
pmemset_emu_device_set_usc(const char *id, uint64_t usc)
{
	if (!id)
		return err_msg(-EINVAL, "device id is NULL");
	struct device_arg a = { .id = id, .usc = usc };
	return update(change_usc, &a);
}

int
pmemset_emu_unsafe_shutdown(const char *id, uint64_t *usc)
{
	if (!id)
		return err_msg(-EINVAL, "device id is NULL");
	uint64_t now = 0;
	struct device_arg a = { .id = id, .add = 1, .out = &now };
	int ret = update(change_usc, &a);
	if (ret == 0 && usc)
		*usc = now;
	return ret;
}

struct badblock_arg {
	const char *path;
	uint64_t offset;
	uint64_t length;
};

static int
check_range(size_t offset, size_t length)
{
	if (length == 0)
		return err_msg(-EINVAL, "bad block length is 0");
	if (offset > INT64_MAX || length > INT64_MAX - offset)
		return err_msg(-EINVAL,
			       "bad block %zu+%zu ends beyond 2^63 - 1", offset,
			       length);
	return 0;
}

static int
add_badblock(struct emu_state *st, void *arg)
{
	struct badblock_arg *a = arg;
	return emu_state_add_badblock(st, a->path, a->offset, a->length, 0);
}

static int
remove_badblock(struct emu_state *st, void *arg)
{
	struct badblock_arg *a = arg;
	if (!emu_state_overlaps_badblock(st, a->path, a->offset, a->length))
		return emu_error(-ENOENT,
				 "no bad block of '%.200s' within %llu+%llu",
				 a->path, (unsigned long long)a->offset,
				 (unsigned long long)a->length);
	return emu_state_remove_badblocks(st, a->path, a->offset, a->length);
}

static int
edit_badblocks(emu_edit_fn *edit, const char *file, size_t offset,
	       size_t length)
{
	int ret = check_range(offset, length);
	if (ret)
		return ret;
	char *real;
	ret = resolve(file, "bad block file", &real);
	if (ret)
		return ret;
	struct badblock_arg a = { real, offset, length };
	ret = update(edit, &a);
	free(real);
	return ret;
}

int
pmemset_emu_badblock_add(const char *file, size_t offset, size_t length)
{
	return edit_badblocks(add_badblock, file, offset, length);
}

int
pmemset_emu_badblock_remove(const char *file, size_t offset, size_t length)
{
	return edit_badblocks(remove_badblock, file, offset, length);
}

int
pmemset_emu_state_read(struct pmemset_emu_state **state)
{
	if (!state)
		return err_msg(-EINVAL, "state is NULL");
	*state = NULL;
	char *desc;
	int ret = selected(&desc);
	if (ret)
		return ret;
	struct pmemset_emu_state *s = malloc(sizeof(*s));
	if (!s) {
		free(desc);
		return err_msg(-ENOMEM, "out of memory");
	}
	ret = emu_store_load(desc, &s->st);
	free(desc);
	if (ret) {
		free(s);
		return report(ret);
	}
	*state = s;
	return 0;
}

int
pmemset_emu_state_parse(struct pmemset_emu_state **state, const char *text,
			size_t len)
{
	if (!state)
		return err_msg(-EINVAL, "state is NULL");
	*state = NULL;
	if (!text && len)
		return err_msg(-EINVAL, "text is NULL");
	struct pmemset_emu_state *s = malloc(sizeof(*s));
	if (!s)
		return err_msg(-ENOMEM, "out of memory");
	int ret = emu_state_parse(&s->st, text ? text : "", len);
	if (ret) {
		free(s);
		return report(ret);
	}
	*state = s;
	return 0;
}

size_t
pmemset_emu_state_device_count(const struct pmemset_emu_state *state)
{
	return state ? state->st.ndevs : 0;
}

int
pmemset_emu_state_device(const struct pmemset_emu_state *state, size_t i,
			 struct pmemset_emu_device *dev)
{
	if (!state || !dev || i >= state->st.ndevs)
		return err_msg(-EINVAL, "no device %zu", i);
	const struct emu_device *d = &state->st.devs[i];
	dev->id = d->id;
	dev->usc = d->usc;
	dev->path = d->path;
	return 0;
}

size_t
pmemset_emu_state_badblock_count(const struct pmemset_emu_state *state)
{
	return state ? state->st.nbbs : 0;
}

int
pmemset_emu_state_badblock(const struct pmemset_emu_state *state, size_t i,
			   struct pmemset_emu_badblock *bb)
{
	if (!state || !bb || i >= state->st.nbbs)
		return err_msg(-EINVAL, "no bad block %zu", i);
	const struct emu_badblock *b = &state->st.bbs[i];
	bb->path = b->path;
	bb->offset = (size_t)b->offset;
	bb->length = (size_t)b->length;
	return 0;
}

void
pmemset_emu_state_delete(struct pmemset_emu_state **state)
{
	if (!state || !*state)
		return;
	emu_state_clear(&(*state)->st);
	free(*state);
	*state = NULL;
}
