/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pmemset_inventory.h -- what persistent memory the machine has: NVDIMM
 * buses, DIMMs (with health and unsafe-shutdown count), regions and
 * namespaces, read through libndctl, plus the emulated devices of the
 * selected description (pmemset_emu.h), marked as emulated.
 *
 * A snapshot taken by pmemset_inventory_new(); every string in it stays
 * valid until pmemset_inventory_delete(). A machine without NVDIMMs (or
 * without the nvdimm kernel subsystem) gives an empty inventory, not an
 * error. Items refer to each other by index: a DIMM's bus is an index into
 * the buses, a namespace's region an index into the regions.
 *
 * Functions returning int give 0 or a negative code (-EINVAL for a NULL
 * argument or an index out of range, -ENOMEM) and set pmemset_errormsg().
 */

#ifndef PMEMSET_INVENTORY_H
#define PMEMSET_INVENTORY_H 1

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pmemset_inventory;

/* PMEMSET_INVENTORY_NONE -- "not known" for indexes and counts */
#define PMEMSET_INVENTORY_NONE UINT64_MAX

struct pmemset_inventory_bus {
	const char *name;     /* e.g. "ndbus0" */
	const char *provider; /* e.g. "ACPI.NFIT" */
};

enum pmemset_inventory_health {
	PMEMSET_INVENTORY_HEALTH_UNKNOWN,
	PMEMSET_INVENTORY_HEALTH_OK,
	PMEMSET_INVENTORY_HEALTH_NON_CRITICAL,
	PMEMSET_INVENTORY_HEALTH_CRITICAL,
	PMEMSET_INVENTORY_HEALTH_FATAL,
};

struct pmemset_inventory_dimm {
	const char *name; /* "nmem0"; the device id for an emulated one */
	const char *id;	  /* unique id ("" if the DIMM has none) */
	uint64_t bus;	  /* index of its bus; NONE for an emulated DIMM */
	enum pmemset_inventory_health health;
	uint64_t usc;	  /* unsafe-shutdown count, NONE if unknown */
	int emulated;	  /* 1: from the emulated-device description */
	const char *path; /* emulated: the path it covers; else NULL */
};

struct pmemset_inventory_region {
	const char *name; /* "region0" */
	const char *type; /* "pmem", "blk", ... */
	uint64_t bus;
	uint64_t size;
	uint64_t available; /* bytes not used by namespaces */
};

struct pmemset_inventory_namespace {
	const char *name;   /* "namespace0.0" */
	const char *mode;   /* "fsdax", "devdax", "sector", "raw", "unknown" */
	const char *device; /* "pmem0" for a block device, else "" */
	uint64_t region;
	uint64_t size;
};

int pmemset_inventory_new(struct pmemset_inventory **inv);
void pmemset_inventory_delete(struct pmemset_inventory **inv);

/* pmemset_inventory_health_name -- "ok", "critical", ... */
const char *pmemset_inventory_health_name(enum pmemset_inventory_health h);

size_t pmemset_inventory_bus_count(const struct pmemset_inventory *inv);
int pmemset_inventory_bus(const struct pmemset_inventory *inv, size_t i,
			  struct pmemset_inventory_bus *bus);

size_t pmemset_inventory_dimm_count(const struct pmemset_inventory *inv);
int pmemset_inventory_dimm(const struct pmemset_inventory *inv, size_t i,
			   struct pmemset_inventory_dimm *dimm);

size_t pmemset_inventory_region_count(const struct pmemset_inventory *inv);
int pmemset_inventory_region(const struct pmemset_inventory *inv, size_t i,
			     struct pmemset_inventory_region *region);

size_t pmemset_inventory_namespace_count(const struct pmemset_inventory *inv);
int pmemset_inventory_namespace(const struct pmemset_inventory *inv, size_t i,
				struct pmemset_inventory_namespace *ns);

#ifdef __cplusplus
}
#endif
#endif /* pmemset_inventory.h */
