#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# tsan.sh -- build the library and the C tests with ThreadSanitizer in a
# build directory of their own and run the thread-safety test.
#
# usage: scripts/tsan.sh [build-dir]   (default: build-tsan in the repo)
# Any data race or lock-order problem makes TSan report it and the test
# fail (halt_on_error), so the exit status is the verdict.

set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-tsan}
jobs=${JOBS:-2}

cmake -S "$root" -B "$build" -DPMEMSET_TSAN=ON \
	-DPMEMSET_BUILD_LUA=OFF -DPMEMSET_BUILD_BENCH=OFF \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$jobs" --target test_threads

mkdir -p "$build/spec/c/tmp"
cd "$build/spec/c"
# ASLR entropy above what this TSan supports makes it abort at start:
# run under setarch -R when the plain run cannot map its shadow memory.
export UT_TMPDIR="$build/spec/c/tmp"
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
if ./test_threads; then
	exit 0
fi
status=$?
if command -v setarch >/dev/null 2>&1; then
	echo "tsan.sh: retrying under setarch -R (ASLR off)" >&2
	exec setarch "$(uname -m)" -R ./test_threads
fi
exit $status
