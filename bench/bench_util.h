/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_util.h -- the clock and the median the C benchmarks share.
 * Header-only: each benchmark is one program of its own.
 */

#ifndef PMEMSET_BENCH_UTIL_H
#define PMEMSET_BENCH_UTIL_H 1

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static inline uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* median -- of n samples, which it sorts (v[0] is then the least) */
static inline double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif /* PMEMSET_BENCH_UTIL_H */
