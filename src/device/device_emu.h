/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * device_emu.h -- additions to device.h for the emulated backend.
 */

#ifndef PMEMSET_DEVICE_EMU_H
#define PMEMSET_DEVICE_EMU_H 1

struct device;

/*
 * device_emu_claim -- called by device_attach: when emulation is on and the
 * source's path lies on an emulated device, switch dev to the emulated
 * backend and return 1; return 0 to keep the real one, or a negative errno
 * when the description cannot be read.
 */
int device_emu_claim(struct device *dev);

/*
 * device_errormsg -- why the last device_* call of this thread failed, when
 * the emulated backend knows more than its code says (e.g. the line of a
 * broken description); "" otherwise. The core may append it to its message.
 */
const char *device_errormsg(void);

#endif /* PMEMSET_DEVICE_EMU_H */
