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

#endif /* PMEMSET_DEVICE_EMU_H */
