/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * inventory.c -- pmemset_inventory_*: the device layer's snapshot of the
 * NVDIMM topology and the emulated devices (src/device/device_inventory.h),
 * with the arguments checked and the messages set here.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libpmemset.h>
#include <pmemset_inventory.h>

#include "device.h"
#include "device_inventory.h"
#include "err.h"

struct pmemset_inventory {
	struct device_inventory dev;
};

int
pmemset_inventory_new(struct pmemset_inventory **invp)
{
	if (!invp)
		return err_msg(-EINVAL, "inventory pointer is NULL");
	*invp = NULL;
	struct pmemset_inventory *inv = malloc(sizeof(*inv));
	if (!inv)
		return err_msg(-ENOMEM, "out of memory");
	int ret = device_inventory_read(&inv->dev);
	if (ret) {
		free(inv);
		return err_msg(ret, "%s", device_errormsg());
	}
	*invp = inv;
	return 0;
}

void
pmemset_inventory_delete(struct pmemset_inventory **invp)
{
	if (!invp || !*invp)
		return;
	device_inventory_clear(&(*invp)->dev);
	free(*invp);
	*invp = NULL;
}

const char *
pmemset_inventory_health_name(enum pmemset_inventory_health h)
{
	switch (h) {
	case PMEMSET_INVENTORY_HEALTH_OK:
		return "ok";
	case PMEMSET_INVENTORY_HEALTH_NON_CRITICAL:
		return "non-critical";
	case PMEMSET_INVENTORY_HEALTH_CRITICAL:
		return "critical";
	case PMEMSET_INVENTORY_HEALTH_FATAL:
		return "fatal";
	default:
		return "unknown";
	}
}

/* get -- copy item i of v into out, or -EINVAL */
static int
get(const struct pmemset_inventory *inv, const struct device_vec *v, size_t i,
    void *out, size_t size, const char *what)
{
	if (!inv || !out || i >= v->n)
		return err_msg(-EINVAL, "no %s %zu in the inventory", what, i);
	memcpy(out, (const char *)v->items + i * size, size);
	return 0;
}

size_t
pmemset_inventory_bus_count(const struct pmemset_inventory *inv)
{
	return inv ? inv->dev.buses.n : 0;
}

int
pmemset_inventory_bus(const struct pmemset_inventory *inv, size_t i,
		      struct pmemset_inventory_bus *bus)
{
	return get(inv, inv ? &inv->dev.buses : NULL, i, bus, sizeof(*bus),
		   "bus");
}

size_t
pmemset_inventory_dimm_count(const struct pmemset_inventory *inv)
{
	return inv ? inv->dev.dimms.n : 0;
}

int
pmemset_inventory_dimm(const struct pmemset_inventory *inv, size_t i,
		       struct pmemset_inventory_dimm *dimm)
{
	return get(inv, inv ? &inv->dev.dimms : NULL, i, dimm, sizeof(*dimm),
		   "DIMM");
}

size_t
pmemset_inventory_region_count(const struct pmemset_inventory *inv)
{
	return inv ? inv->dev.regions.n : 0;
}

int
pmemset_inventory_region(const struct pmemset_inventory *inv, size_t i,
			 struct pmemset_inventory_region *region)
{
	return get(inv, inv ? &inv->dev.regions : NULL, i, region,
		   sizeof(*region), "region");
}

size_t
pmemset_inventory_namespace_count(const struct pmemset_inventory *inv)
{
	return inv ? inv->dev.namespaces.n : 0;
}

int
pmemset_inventory_namespace(const struct pmemset_inventory *inv, size_t i,
			    struct pmemset_inventory_namespace *ns)
{
	return get(inv, inv ? &inv->dev.namespaces : NULL, i, ns, sizeof(*ns),
		   "namespace");
}
