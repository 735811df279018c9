#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# faults.sh -- the fault-injection test at every failure point (ctest runs
# every third): the Nth allocation of the library, then the Nth mmap or
# munmap of the library and of libpmem2, for every N of the scenario, in
# an AddressSanitizer build so LeakSanitizer checks every run.
#
# usage: scripts/faults.sh [build-dir]   (default: build-asan in the repo)

set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-asan}
jobs=${JOBS:-2}

cmake -S "$root" -B "$build" -DPMEMSET_SANITIZE=ON \
	-DPMEMSET_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$jobs" --target test_faults

mkdir -p "$build/spec/c/tmp"
cd "$build/spec/c"
export UT_TMPDIR="$build/spec/c/tmp"
export ASAN_OPTIONS="detect_leaks=1 ${ASAN_OPTIONS:-}"
FAULT_STRIDE=1 exec ./test_faults
