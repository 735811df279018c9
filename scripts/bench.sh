#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# bench.sh -- build bench_pmemset in Release and run it in both modes:
#   1. the default: a tmpfs file (page granularity, flushes are msync)
#   2. PMEM2_FORCE_GRANULARITY=cache_line (flushes are CPU cache flushes)
#
# usage: scripts/bench.sh [bench_pmemset options...]   e.g. --quick
# BUILD_DIR (default: <repo>/build-bench-release) is where it builds.
# See docs/benchmarks.md for what every line means.

set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build-bench-release}

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
	-DPMEMSET_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target bench_pmemset bench_readers pmemset_lua -j2 >/dev/null

bench=$build/bench/bench_pmemset
echo "## mode 1: tmpfs, detected granularity"
"$bench" "$@"
echo
echo "## mode 2: PMEM2_FORCE_GRANULARITY=cache_line"
PMEM2_FORCE_GRANULARITY=cache_line "$bench" "$@"
echo
echo "## part-map read path: floor, rwlock, seq (bench/bench_readers.c)"
"$build/bench/bench_readers" $(for a in "$@"; do [ "$a" = --quick ] && echo --quick; done)
echo
echo "## Lua event handlers (bench/lua_events.lua)"
LUA_CPATH="$build/lua/?.so;;" \
	LUA_PATH="$root/lua/?.lua;$root/lua/?/init.lua;;" \
	lua5.4 "$root/bench/lua_events.lua" 1000000 /dev/shm
