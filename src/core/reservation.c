/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * reservation.c -- virtual-memory reservations without libpmem2 1.12.1's
 * leftover padding (pmemset_ext.h).
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "err.h"
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

/* tries at an address of ours before giving up (another thread's mmap) */
#define RESERVE_TRIES 8

/*
 * reserve_at_hole -- one try: free a hole big enough for the reservation
 * and its slack, and ask libpmem2 for the reservation inside it. 1 when
 * another thread took part of the hole first.
 */
static int
reserve_at_hole(struct pmem2_vm_reservation **rsv, size_t size, size_t slack)
{
	size_t total = size + slack;
	char *hole = mmap(NULL, total, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (hole == MAP_FAILED)
		return err_errno(PMEM2_E_LENGTH_OUT_OF_RANGE, errno,
				 "cannot reserve %zu bytes of address space",
				 size);
	char *addr = (char *)(((uintptr_t)hole + HUGE_ALIGN - 1) &
			      ~(uintptr_t)(HUGE_ALIGN - 1));
	munmap(hole, total);

	int ret = pmem2_vm_reservation_new(rsv, addr, size);
	if (ret == PMEM2_E_MAPPING_EXISTS)
		return 1;
	if (ret)
		return err_pmem2(ret, ret,
				 "cannot reserve %zu bytes of address space",
				 size);
	size_t tail = mapped_prefix(addr + size, hole + total);
	if (tail)
		munmap(addr + size, tail);
	return 0;
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
 * that padding; it is unmapped at once. There is no fallback to libpmem2's
 * own placement: it would bring the leak back.
 */
int
pmemset_vm_reservation_new(struct pmem2_vm_reservation **rsv, size_t size)
{
	if (rsv == NULL)
		return err_msg(-EINVAL, "reservation pointer is NULL");
	*rsv = NULL;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	if (size == 0)
		return err_msg(PMEM2_E_LENGTH_OUT_OF_RANGE,
			       "a reservation of 0 bytes");
	if (size % page)
		return err_msg(PMEM2_E_LENGTH_UNALIGNED,
			       "reservation size %zu is not a multiple of the "
			       "page size %zu",
			       size, page);
	size_t slack = size > (1ULL << 30) ? 2 * (1ULL << 30) : 4 * HUGE_ALIGN;
	if (size > SIZE_MAX - slack)
		return err_msg(PMEM2_E_LENGTH_OUT_OF_RANGE,
			       "a reservation of %zu bytes cannot be placed",
			       size);
	for (int i = 0; i < RESERVE_TRIES; i++) {
		int ret = reserve_at_hole(rsv, size, slack);
		if (ret <= 0)
			return ret;
	}
	return err_msg(PMEM2_E_MAPPING_EXISTS,
		       "cannot reserve %zu bytes: other mappings kept taking "
		       "the free range",
		       size);
}
