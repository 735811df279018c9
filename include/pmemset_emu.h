/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pmemset_emu.h -- emulated persistent-memory devices.
 *
 * An emulated-device description (a small text file, docs/emulation.md)
 * says that the files under some paths live on devices with a given id and
 * unsafe-shutdown count (usc), and that some ranges of some files are bad
 * blocks. Sources created while a description is selected, whose file lies
 * under a described device, get their device id, usc, bad blocks and
 * mcsafe I/O from the description instead of from the hardware, so SDS
 * states and bad-block handling can be exercised on any machine.
 *
 * A process selects a description with the environment variable
 * PMEMSET_EMULATE=<path> (read at the first use), or with
 * pmemset_emu_select(). Every process that selects the same file shares the
 * same devices: changes are written atomically under a lock and every
 * query re-reads the file, so an unsafe shutdown simulated by one process is
 * seen by the next map in another.
 *
 * The choice between the emulated and the real device is made once per
 * source, when it is created; changes to the devices' usc, id and bad
 * blocks are seen by existing sources.
 *
 * Every int function returns 0 or a negative code (-EINVAL, -ENOENT,
 * -ENOMEM, a negated errno of a failed system call, or PMEMSET_E_NOSUPP
 * when no description is selected) and then sets the message returned by
 * pmemset_errormsg(). A failed call changes nothing.
 */

#ifndef PMEMSET_EMU_H
#define PMEMSET_EMU_H 1

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * pmemset_emu_select -- use the description at path for sources created from
 * now on in this process (overrides PMEMSET_EMULATE). The file is created
 * empty if missing; an existing file must be valid. NULL turns emulation
 * off for new sources.
 */
int pmemset_emu_select(const char *path);

/*
 * pmemset_emu_selected -- copy the absolute path of the description in use
 * (NUL-terminated) into buf; -ENOENT when emulation is off, -ERANGE when
 * size is too small.
 */
int pmemset_emu_selected(char *buf, size_t size);

/*
 * pmemset_emu_device_add -- a new device: every file at or below path (an
 * existing file or directory, resolved with realpath) lives on it. The id
 * must be non-empty, unique and at most 4096 bytes; path must not lie
 * inside another device's path or contain one.
 */
int pmemset_emu_device_add(const char *id, uint64_t usc, const char *path);

/* pmemset_emu_device_remove -- forget a device and its bad blocks */
int pmemset_emu_device_remove(const char *id);

/* pmemset_emu_device_set_usc -- set a device's unsafe-shutdown count */
int pmemset_emu_device_set_usc(const char *id, uint64_t usc);

/*
 * pmemset_emu_unsafe_shutdown -- what an unsafe shutdown does to a device:
 * its usc grows by one. *usc (may be NULL) gets the new count.
 */
int pmemset_emu_unsafe_shutdown(const char *id, uint64_t *usc);

/*
 * pmemset_emu_badblock_add -- mark [offset, offset + length) of the existing
 * file as bad. length > 0, offset + length <= INT64_MAX, the file lies on a
 * device and the range overlaps no other bad block of the file. The range
 * may extend past the end of the file.
 */
int pmemset_emu_badblock_add(const char *file, size_t offset, size_t length);

/*
 * pmemset_emu_badblock_remove -- forget the bad blocks of file within
 * [offset, offset + length) (records that straddle an end are trimmed)
 * without touching the data; pmemset_badblock_clear() also zeroes it.
 */
int pmemset_emu_badblock_remove(const char *file, size_t offset, size_t length);

/*
 * A snapshot of a description, read with pmemset_emu_state_read() (the
 * selected one) or parsed from text with pmemset_emu_state_parse(). The
 * strings stay valid until pmemset_emu_state_delete().
 */
struct pmemset_emu_state;

struct pmemset_emu_device {
	const char *id;
	uint64_t usc;
	const char *path;
};

struct pmemset_emu_badblock {
	const char *path; /* the file */
	size_t offset;
	size_t length;
};

int pmemset_emu_state_read(struct pmemset_emu_state **state);

/*
 * pmemset_emu_state_parse -- parse and validate len bytes of description
 * text; -EINVAL with a message naming the line on bad input.
 */
int pmemset_emu_state_parse(struct pmemset_emu_state **state, const char *text,
			    size_t len);

size_t pmemset_emu_state_device_count(const struct pmemset_emu_state *state);

/* pmemset_emu_state_device -- device i (in file order); -EINVAL if none */
int pmemset_emu_state_device(const struct pmemset_emu_state *state, size_t i,
			     struct pmemset_emu_device *dev);

size_t pmemset_emu_state_badblock_count(const struct pmemset_emu_state *state);

int pmemset_emu_state_badblock(const struct pmemset_emu_state *state, size_t i,
			       struct pmemset_emu_badblock *bb);

void pmemset_emu_state_delete(struct pmemset_emu_state **state);

#ifdef __cplusplus
}
#endif
#endif /* pmemset_emu.h */
