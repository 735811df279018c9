/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * device_inventory.c -- a snapshot of the machine's NVDIMM topology through
 * libndctl, plus the emulated devices (the core's pmemset_inventory_*
 * hand it out).
 *
 * Every string is copied out of libndctl's context, which is released
 * before device_inventory_read() returns.
 */

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <ndctl/libndctl.h>

#include <libpmemset.h>
#include <pmemset_inventory.h>

#include "device_inventory.h"
#include "emu_store.h"

/* vec_push -- room for one more item, zeroed; NULL when out of memory */
static void *
vec_push(struct device_inventory *inv, struct device_vec *v, size_t size)
{
	if (inv->oom)
		return NULL;
	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 8;
		void *p = realloc(v->items, cap * size);
		if (!p) {
			inv->oom = 1;
			return NULL;
		}
		v->items = p;
		v->cap = cap;
	}
	void *item = (char *)v->items + v->n++ * size;
	memset(item, 0, size);
	return item;
}

/* keep -- a copy of s owned by the inventory ("" for NULL) */
static const char *
keep(struct device_inventory *inv, const char *s)
{
	char **slot = vec_push(inv, &inv->strings, sizeof(char *));
	if (!slot)
		return "";
	*slot = strdup(s ? s : "");
	if (!*slot) {
		inv->strings.n--;
		inv->oom = 1;
		return "";
	}
	return *slot;
}

static enum pmemset_inventory_health
dimm_health(struct ndctl_dimm *dimm)
{
	unsigned h = ndctl_dimm_get_health(dimm);
	if (h == UINT_MAX)
		return PMEMSET_INVENTORY_HEALTH_UNKNOWN;
	if (h & ND_SMART_FATAL_HEALTH)
		return PMEMSET_INVENTORY_HEALTH_FATAL;
	if (h & ND_SMART_CRITICAL_HEALTH)
		return PMEMSET_INVENTORY_HEALTH_CRITICAL;
	if (h & ND_SMART_NON_CRITICAL_HEALTH)
		return PMEMSET_INVENTORY_HEALTH_NON_CRITICAL;
	return PMEMSET_INVENTORY_HEALTH_OK;
}

static const char *
mode_name(enum ndctl_namespace_mode mode)
{
	switch (mode) {
	case NDCTL_NS_MODE_FSDAX:
		return "fsdax";
	case NDCTL_NS_MODE_DEVDAX:
		return "devdax";
	case NDCTL_NS_MODE_SECTOR:
		return "sector";
	case NDCTL_NS_MODE_RAW:
		return "raw";
	default:
		return "unknown";
	}
}

static void
add_dimm(struct device_inventory *inv, struct ndctl_dimm *d, uint64_t bus)
{
	struct pmemset_inventory_dimm *dimm =
		vec_push(inv, &inv->dimms, sizeof(*dimm));
	if (!dimm)
		return;
	dimm->name = keep(inv, ndctl_dimm_get_devname(d));
	dimm->id = keep(inv, ndctl_dimm_get_unique_id(d));
	dimm->bus = bus;
	dimm->health = dimm_health(d);
	long long usc = ndctl_dimm_get_dirty_shutdown(d);
	dimm->usc = usc < 0 ? PMEMSET_INVENTORY_NONE : (uint64_t)usc;
}

static void
add_region(struct device_inventory *inv, struct ndctl_region *r, uint64_t bus)
{
	struct pmemset_inventory_region *region =
		vec_push(inv, &inv->regions, sizeof(*region));
	if (!region)
		return;
	uint64_t index = inv->regions.n - 1;
	region->name = keep(inv, ndctl_region_get_devname(r));
	region->type = keep(inv, ndctl_region_get_type_name(r));
	region->bus = bus;
	region->size = ndctl_region_get_size(r);
	region->available = ndctl_region_get_available_size(r);

	struct ndctl_namespace *n;
	ndctl_namespace_foreach(r, n)
	{
		if (!ndctl_namespace_is_active(n))
			continue;
		struct pmemset_inventory_namespace *ns =
			vec_push(inv, &inv->namespaces, sizeof(*ns));
		if (!ns)
			return;
		ns->name = keep(inv, ndctl_namespace_get_devname(n));
		ns->mode = mode_name(ndctl_namespace_get_mode(n));
		ns->device = keep(inv, ndctl_namespace_get_block_device(n));
		ns->region = index;
		ns->size = ndctl_namespace_get_size(n);
	}
}

/* add_hardware -- libndctl's view; none at all is an empty inventory */
static void
add_hardware(struct device_inventory *inv)
{
	struct ndctl_ctx *ctx;
	if (ndctl_new(&ctx) != 0)
		return;
	struct ndctl_bus *b;
	ndctl_bus_foreach(ctx, b)
	{
		struct pmemset_inventory_bus *bus =
			vec_push(inv, &inv->buses, sizeof(*bus));
		if (!bus)
			break;
		uint64_t index = inv->buses.n - 1;
		bus->name = keep(inv, ndctl_bus_get_devname(b));
		bus->provider = keep(inv, ndctl_bus_get_provider(b));
		struct ndctl_dimm *d;
		ndctl_dimm_foreach(b, d)
		{
			add_dimm(inv, d, index);
		}
		struct ndctl_region *r;
		ndctl_region_foreach(b, r)
		{
			add_region(inv, r, index);
		}
	}
	ndctl_unref(ctx);
}

/* add_emulated -- the devices of the selected description, if any */
static int
add_emulated(struct device_inventory *inv)
{
	int ret;
	char *desc = emu_store_selected(&ret);
	if (!desc)
		return ret ? emu_error(ret, "out of memory") : 0;
	struct emu_state st;
	ret = emu_store_load(desc, &st);
	free(desc);
	if (ret)
		return ret; /* with the message of emu_store_load */
	for (size_t i = 0; i < st.ndevs; i++) {
		struct pmemset_inventory_dimm *dimm =
			vec_push(inv, &inv->dimms, sizeof(*dimm));
		if (!dimm)
			break;
		dimm->name = keep(inv, st.devs[i].id);
		dimm->id = dimm->name;
		dimm->bus = PMEMSET_INVENTORY_NONE;
		dimm->health = PMEMSET_INVENTORY_HEALTH_OK;
		dimm->usc = st.devs[i].usc;
		dimm->emulated = 1;
		dimm->path = keep(inv, st.devs[i].path);
	}
	emu_state_clear(&st);
	return 0;
}

int
device_inventory_read(struct device_inventory *inv)
{
	emu_error_reset();
	memset(inv, 0, sizeof(*inv));
	add_hardware(inv);
	int ret = add_emulated(inv);
	if (ret == 0 && inv->oom)
		ret = emu_error(-ENOMEM, "out of memory reading the inventory");
	if (ret)
		device_inventory_clear(inv);
	return ret;
}

void
device_inventory_clear(struct device_inventory *inv)
{
	char **s = inv->strings.items;
	for (size_t i = 0; i < inv->strings.n; i++)
		free(s[i]);
	free(inv->strings.items);
	free(inv->buses.items);
	free(inv->dimms.items);
	free(inv->regions.items);
	free(inv->namespaces.items);
	memset(inv, 0, sizeof(*inv));
}
