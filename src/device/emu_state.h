/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * emu_state.h -- the emulated-device description in memory: parsing,
 * validation, formatting and the edits the emulation API makes.
 *
 * The text format (docs/emulation.md):
 *
 *	# comment
 *	device <id> usc=<n> path=<absolute path>
 *	badblock <absolute file path> <offset> <length>
 *
 * Ids and paths escape bytes <= 0x20, '%', '#' and >= 0x7f as %XX.
 */

#ifndef PMEMSET_EMU_STATE_H
#define PMEMSET_EMU_STATE_H 1

#include <stddef.h>
#include <stdint.h>

#define EMU_ID_MAX 4096 /* longer than any real id, to reach ID_LEN_TOO_BIG */

struct emu_device {
	char *id;
	uint64_t usc;
	char *path;
	unsigned line; /* where it was read, 0 if added through the API */
};

struct emu_badblock {
	char *path;
	uint64_t offset;
	uint64_t length;
	unsigned line;
};

struct emu_state {
	struct emu_device *devs;
	size_t ndevs;
	size_t devs_cap;
	struct emu_badblock *bbs;
	size_t nbbs;
	size_t bbs_cap;
};

/*
 * The functions below return 0 or a negative errno; on failure
 * emu_errormsg() says why (with the line number for parse errors).
 */
const char *emu_errormsg(void);
void emu_error_reset(void);
int emu_error(int code, const char *fmt, ...)
	__attribute__((__format__(__printf__, 2, 3)));

int emu_state_parse(struct emu_state *st, const char *text, size_t len);
int emu_state_validate(const struct emu_state *st);
char *emu_state_format(const struct emu_state *st, size_t *len);
void emu_state_clear(struct emu_state *st);

int emu_state_add_device(struct emu_state *st, const char *id, uint64_t usc,
			 const char *path, unsigned line);
int emu_state_add_badblock(struct emu_state *st, const char *path,
			   uint64_t offset, uint64_t length, unsigned line);
struct emu_device *emu_state_find_id(const struct emu_state *st,
				     const char *id);
struct emu_device *emu_state_find_covering(const struct emu_state *st,
					   const char *path);
void emu_state_remove_device(struct emu_state *st, struct emu_device *dev);
int emu_state_remove_badblocks(struct emu_state *st, const char *path,
			       uint64_t offset, uint64_t length);
int emu_state_overlaps_badblock(const struct emu_state *st, const char *path,
				uint64_t offset, uint64_t length);

/* 1 when path is dir itself or lies below it */
int emu_path_covers(const char *dir, const char *path);

#endif /* PMEMSET_EMU_STATE_H */
