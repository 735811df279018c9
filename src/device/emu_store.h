/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * emu_store.h -- the emulated-device description on disk: which file this
 * process uses, reading it, and locked atomic updates shared by processes.
 */

#ifndef PMEMSET_EMU_STORE_H
#define PMEMSET_EMU_STORE_H 1

#include "emu_state.h"

/*
 * emu_store_selected -- a copy of the selected description's path (from
 * pmemset_emu_select or PMEMSET_EMULATE), NULL when emulation is off or
 * out of memory (*err then -ENOMEM, else 0). The caller frees it.
 */
char *emu_store_selected(int *err);

/* emu_store_select -- select path (NULL: none); see pmemset_emu_select */
int emu_store_select(const char *path);

/* emu_store_load -- read and parse path; a missing file is empty */
int emu_store_load(const char *path, struct emu_state *st);

/*
 * emu_store_update -- under the description's lock: read it, let edit
 * change it, validate, and replace the file atomically (temporary file,
 * fsync, rename). Nothing is written when edit or validation fails.
 */
typedef int emu_edit_fn(struct emu_state *st, void *arg);
int emu_store_update(const char *path, emu_edit_fn *edit, void *arg);

#endif /* PMEMSET_EMU_STORE_H */
