/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * reservation.c -- virtual-memory reservations without libpmem2 1.12.1's
 * leftover padding (pmemset_ext.h).
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pmemset_ext.h"

#define HUGE_ALIGN (2ULL << 20)

static bool
page_is_mapped(char *addr)
{
	unsigned char v;
	return mincore(addr, 1, &v) == 0;
}

/*
 * mapped_prefix -- how much of [from, limit) is mapped, given that the
 * range is a mapped prefix followed by free address space
 */
static size_t
mapped_prefix(char *from, char *limit)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t lo = 0, hi = (size_t)(limit - from) / page; /* in pages */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (page_is_mapped(from + mid * page))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo * page;
}

/*
 * pmemset_vm_reservation_new -- a pmem2 reservation of size bytes with
 * nothing mapped around it.
 *
 * libpmem2 1.12.1 maps an alignment's worth of PROT_NONE past the end of
 * every reservation and never unmaps it: not on delete (a leak of address
 * space and of a kernel mapping per reservation) and it also makes every
 * in-place extension fail. So the reservation is made at an address of
 * ours, inside a hole we just freed, where anything mapped past its end is
 * that padding; it is unmapped at once.
 */
int
pmemset_vm_reservation_new(struct pmem2_vm_reservation **rsv, size_t size)
{
	size_t slack = size > (1ULL << 30) ? 2 * (1ULL << 30) : 4 * HUGE_ALIGN;
	if (size > SIZE_MAX - slack)
		return pmem2_vm_reservation_new(rsv, NULL, size);
	size_t total = size + slack;
	char *hole = mmap(NULL, total, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (hole == MAP_FAILED)
		return pmem2_vm_reservation_new(rsv, NULL, size);
	char *addr = (char *)(((uintptr_t)hole + HUGE_ALIGN - 1) &
			      ~(uintptr_t)(HUGE_ALIGN - 1));
	munmap(hole, total);

	if (pmem2_vm_reservation_new(rsv, addr, size) != 0) {
		/* another thread took part of the hole: let libpmem2 pick */
		return pmem2_vm_reservation_new(rsv, NULL, size);
	}
	size_t tail = mapped_prefix(addr + size, hole + total);
	if (tail)
		munmap(addr + size, tail);
	return 0;
}
