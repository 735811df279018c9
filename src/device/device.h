/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * device.h -- the device layer: the only place that asks hardware about
 * unsafe-shutdown counts, device ids, bad blocks and media-error-safe I/O.
 *
 * Two backends answer the same questions: "real" (libpmem2, which reads
 * libndctl) and "emulated" (an emulated-device description, see
 * include/pmemset_emu.h). device_attach() picks the backend for a source
 * once, when the source is created.
 *
 * Every function returns 0 or an error code in libpmem2's space
 * (PMEM2_E_NOSUPP, PMEM2_E_NO_BAD_BLOCK_FOUND, PMEM2_E_IO_FAIL,
 * PMEM2_E_LENGTH_OUT_OF_RANGE, ...) or a negated errno, so the core
 * translates both backends' answers the same way. None of them sets
 * pmemset's error message; the core does.
 */

#ifndef PMEMSET_DEVICE_H
#define PMEMSET_DEVICE_H 1

#include <stddef.h>
#include <stdint.h>

struct pmem2_source;
struct pmemset_badblock;

struct device;	      /* per-source device handle */
struct device_bb_ctx; /* a bad-block scan of one source */

/*
 * device_attach -- create the device handle of a source backed by the open
 * descriptor fd (p2src is libpmem2's source for that descriptor; path is
 * the file's path, or NULL when only the descriptor is known).
 */
int device_attach(struct device **dev, struct pmem2_source *p2src, int fd,
		  const char *path);
void device_detach(struct device **dev);

/* 1 when the emulated backend answers for this source, else 0 */
int device_is_emulated(const struct device *dev);

/* device_usc -- sum of the unsafe-shutdown counts behind the source */
int device_usc(struct device *dev, uint64_t *usc);

/*
 * device_id -- libpmem2's convention: with id NULL, *len gets the size
 * needed (terminator included); otherwise copies at most *len bytes.
 */
int device_id(struct device *dev, char *id, size_t *len);

/* bad blocks: offsets and lengths in bytes from the start of the source */
int device_bb_ctx_new(struct device *dev, struct device_bb_ctx **ctx);
int device_bb_next(struct device_bb_ctx *ctx, struct pmemset_badblock *bb);
int device_bb_clear(struct device_bb_ctx *ctx,
		    const struct pmemset_badblock *bb);
void device_bb_ctx_delete(struct device_bb_ctx **ctx);

/* media-error-safe I/O; never extends the source */
int device_pread_mcsafe(struct device *dev, void *buf, size_t size,
			size_t offset);
int device_pwrite_mcsafe(struct device *dev, void *buf, size_t size,
			 size_t offset);

/*
 * device_errormsg -- why the last device_* call of this thread failed, when
 * the device layer knows more than its code says (e.g. the line of a broken
 * emulated-device description); "" otherwise. The core may put it in its
 * own message: the device layer never sets the core's.
 */
const char *device_errormsg(void);

#endif /* PMEMSET_DEVICE_H */
