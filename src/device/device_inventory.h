/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * device_inventory.h -- the device layer's snapshot of the NVDIMM topology
 * (libndctl) and of the emulated devices, as arrays of the public item
 * structures of pmemset_inventory.h; the core hands them out.
 */

#ifndef PMEMSET_DEVICE_INVENTORY_H
#define PMEMSET_DEVICE_INVENTORY_H 1

#include <stddef.h>

/* a growing array of fixed-size items */
struct device_vec {
	void *items;
	size_t n;
	size_t cap;
};

struct device_inventory {
	struct device_vec buses;      /* struct pmemset_inventory_bus */
	struct device_vec dimms;      /* struct pmemset_inventory_dimm */
	struct device_vec regions;    /* struct pmemset_inventory_region */
	struct device_vec namespaces; /* struct pmemset_inventory_namespace */
	struct device_vec strings;    /* char *: what the items point to */
	int oom;
};

/*
 * device_inventory_read -- fill inv (no hardware is an empty inventory);
 * -ENOMEM or the emulated description's error, then inv is empty and
 * device_errormsg() says why
 */
int device_inventory_read(struct device_inventory *inv);

/* device_inventory_clear -- free what inv holds; inv becomes empty */
void device_inventory_clear(struct device_inventory *inv);

#endif /* PMEMSET_DEVICE_INVENTORY_H */
