/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_inventory.c -- the device inventory: the hardware part matches
 * what sysfs shows (nothing, on a machine without NVDIMMs), emulated
 * devices are listed and marked, bad arguments are refused.
 */

#include <dirent.h>

#include <pmemset_emu.h>
#include <pmemset_inventory.h>

#include "ut.h"

/* sysfs_count -- entries of /sys/bus/nd/devices starting with prefix */
static size_t
sysfs_count(const char *prefix)
{
	DIR *d = opendir("/sys/bus/nd/devices");
	if (!d)
		return 0;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

static void
hardware(void)
{
	struct pmemset_inventory *inv = NULL;
	UT_OK(pmemset_inventory_new(&inv));
	UT_ASSERT(inv != NULL);
	UT_ASSERTeq(pmemset_inventory_bus_count(inv), sysfs_count("ndbus"));
	UT_ASSERTeq(pmemset_inventory_dimm_count(inv), sysfs_count("nmem"));
	UT_ASSERTeq(pmemset_inventory_region_count(inv), sysfs_count("region"));
	for (size_t i = 0; i < pmemset_inventory_dimm_count(inv); i++) {
		struct pmemset_inventory_dimm d;
		UT_OK(pmemset_inventory_dimm(inv, i, &d));
		UT_ASSERTeq(d.emulated, 0);
		UT_ASSERT(d.bus < pmemset_inventory_bus_count(inv));
		UT_ASSERT(strncmp(d.name, "nmem", 4) == 0);
	}
	for (size_t i = 0; i < pmemset_inventory_namespace_count(inv); i++) {
		struct pmemset_inventory_namespace ns;
		UT_OK(pmemset_inventory_namespace(inv, i, &ns));
		UT_ASSERT(ns.region < pmemset_inventory_region_count(inv));
	}
	struct pmemset_inventory_bus bus;
	UT_ERR(pmemset_inventory_bus(inv, pmemset_inventory_bus_count(inv),
				     &bus),
	       -EINVAL);
	UT_ERR(pmemset_inventory_bus(NULL, 0, &bus), -EINVAL);
	UT_ERR(pmemset_inventory_new(NULL), -EINVAL);
	pmemset_inventory_delete(&inv);
	UT_ASSERT(inv == NULL);
	pmemset_inventory_delete(&inv);
	pmemset_inventory_delete(NULL);
	UT_ASSERTeq(pmemset_inventory_dimm_count(NULL), 0);
}

static void
emulated(void)
{
	const char *d0 = ut_path("inv0"), *d1 = ut_path("inv1");
	UT_ASSERTeq(mkdir(d0, 0755), 0);
	UT_ASSERTeq(mkdir(d1, 0755), 0);
	UT_OK(pmemset_emu_select(ut_path("inv.emu")));
	UT_OK(pmemset_emu_device_add("emu-a", 3, d0));
	UT_OK(pmemset_emu_device_add("emu-b", 0, d1));
	UT_OK(pmemset_emu_unsafe_shutdown("emu-b", NULL));

	struct pmemset_inventory *inv;
	UT_OK(pmemset_inventory_new(&inv));
	size_t hw = sysfs_count("nmem");
	UT_ASSERTeq(pmemset_inventory_dimm_count(inv), hw + 2);
	struct pmemset_inventory_dimm a, b;
	UT_OK(pmemset_inventory_dimm(inv, hw, &a));
	UT_OK(pmemset_inventory_dimm(inv, hw + 1, &b));
	UT_ASSERTeq(a.emulated, 1);
	UT_ASSERT(strcmp(a.id, "emu-a") == 0);
	UT_ASSERTeq(a.usc, 3);
	UT_ASSERTeq(a.bus, PMEMSET_INVENTORY_NONE);
	char *real = realpath(d0, NULL);
	UT_ASSERT(strcmp(a.path, real) == 0);
	free(real);
	UT_ASSERT(strcmp(pmemset_inventory_health_name(a.health), "ok") == 0);
	UT_ASSERT(strcmp(b.name, "emu-b") == 0);
	UT_ASSERTeq(b.usc, 1);
	UT_ERR(pmemset_inventory_dimm(inv, hw + 2, &b), -EINVAL);
	pmemset_inventory_delete(&inv);

	/* emulation off: the emulated devices are gone */
	UT_OK(pmemset_emu_select(NULL));
	UT_OK(pmemset_inventory_new(&inv));
	UT_ASSERTeq(pmemset_inventory_dimm_count(inv), hw);
	pmemset_inventory_delete(&inv);
	rmdir(d0);
	rmdir(d1);
}

static void
health_names(void)
{
	UT_ASSERT(strcmp(pmemset_inventory_health_name(
				 PMEMSET_INVENTORY_HEALTH_FATAL),
			 "fatal") == 0);
	UT_ASSERT(strcmp(pmemset_inventory_health_name(
				 PMEMSET_INVENTORY_HEALTH_NON_CRITICAL),
			 "non-critical") == 0);
	UT_ASSERT(strcmp(pmemset_inventory_health_name(
				 (enum pmemset_inventory_health)99),
			 "unknown") == 0);
}

int
main(void)
{
	unsetenv("PMEMSET_EMULATE");
	UT_RUN(hardware);
	UT_RUN(emulated);
	UT_RUN(health_names);
	return 0;
}
