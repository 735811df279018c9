/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * layout.c -- map a layout of three parts from files it creates, coalesced
 * into one part map inside a reservation, write and persist a record in
 * each part, and print the part maps.
 *
 * usage: layout [directory]   (default: the current directory)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpmemset.h>

#define PART_SIZE (64 * 1024)
#define NPARTS	  3

static int
on_event(struct pmemset *set, struct pmemset_event_context *ctx, void *arg)
{
	(void)set, (void)arg;
	if (ctx->type == PMEMSET_EVENT_PART_ADD)
		printf("event PART_ADD    addr %p len %zu\n",
		       ctx->data.part_add.addr, ctx->data.part_add.len);
	else if (ctx->type == PMEMSET_EVENT_PART_REMOVE)
		printf("event PART_REMOVE addr %p len %zu\n",
		       ctx->data.part_remove.addr, ctx->data.part_remove.len);
	return 0;
}

static int
fail(const char *what)
{
	pmemset_perror("%s", what);
	return 1;
}

/* map_parts -- one file per part, each mapped right after the previous */
static int
map_parts(struct pmemset *set, const char *dir, char *addr[NPARTS])
{
	struct pmemset_map_config *mcfg;
	if (pmemset_map_config_new(&mcfg))
		return fail("pmemset_map_config_new");
	pmemset_map_config_set_length(mcfg, PART_SIZE);
	for (int i = 0; i < NPARTS; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/part%d.pool", dir, i);
		struct pmemset_source *src;
		if (pmemset_xsource_from_file(
			    &src, path, PMEMSET_SOURCE_FILE_CREATE_IF_NEEDED))
			return fail(path);
		struct pmemset_part_descriptor desc;
		int ret = pmemset_map(set, src, mcfg, &desc);
		pmemset_source_delete(&src); /* the part stays mapped */
		if (ret)
			return fail("pmemset_map");
		addr[i] = (char *)desc.addr + desc.size - PART_SIZE;
	}
	pmemset_map_config_delete(&mcfg);
	return 0;
}

int
main(int argc, char *argv[])
{
	const char *dir = argc > 1 ? argv[1] : ".";
	struct pmem2_vm_reservation *rsv;
	if (pmem2_vm_reservation_new(&rsv, NULL, NPARTS * PART_SIZE)) {
		pmem2_perror("pmem2_vm_reservation_new");
		return 1;
	}
	struct pmemset_config *cfg;
	if (pmemset_config_new(&cfg))
		return fail("pmemset_config_new");
	pmemset_config_set_required_store_granularity(cfg,
						      PMEM2_GRANULARITY_PAGE);
	pmemset_config_set_reservation(cfg, rsv);
	pmemset_config_set_event_callback(cfg, on_event, NULL);

	struct pmemset *set;
	if (pmemset_new(&set, cfg))
		return fail("pmemset_new");
	pmemset_config_delete(&cfg);
	pmemset_set_contiguous_part_coalescing(set, PMEMSET_COALESCING_FULL);

	char *addr[NPARTS];
	if (map_parts(set, dir, addr))
		return 1;
	for (int i = 0; i < NPARTS; i++) {
		char msg[64];
		snprintf(msg, sizeof(msg), "hello from part %d", i);
		pmemset_memcpy(set, addr[i], msg, strlen(msg) + 1, 0);
	}

	struct pmemset_part_map *pmap, *next;
	printf("part maps:\n");
	for (pmemset_first_part_map(set, &pmap); pmap; pmap = next) {
		struct pmemset_part_descriptor d =
			pmemset_descriptor_part_map(pmap);
		printf("  %p .. %p  %zu bytes\n", d.addr,
		       (void *)((char *)d.addr + d.size), d.size);
		pmemset_next_part_map(set, pmap, &next);
		pmemset_part_map_drop(&pmap);
	}
	for (int i = 0; i < NPARTS; i++)
		printf("part %d says: %s\n", i, addr[i]);

	pmemset_delete(&set);
	pmem2_vm_reservation_delete(&rsv);
	return 0;
}
