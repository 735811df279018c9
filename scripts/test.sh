#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# test.sh -- install what is missing, build from scratch and run every
# test: the C tests and busted specs under ctest, warnings as errors.
# The C tests and specs also run under AddressSanitizer+UBSan and the thread test
# under ThreadSanitizer first; the last ctest summary counts every test.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh build-asan -DPMEMSET_SANITIZE=ON -DPMEMSET_WERROR=ON \
	-DPMEMSET_BUILD_BENCH=OFF
echo "== C tests under AddressSanitizer + UBSan"
ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build-asan --output-on-failure \
	-j2 -R '^c\.'
# the stock lua5.4 is not instrumented: ASan comes first, and the
# interpreter's own allocations are not checked for leaks
echo "== busted specs under AddressSanitizer + UBSan"
LD_PRELOAD=$(gcc -print-file-name=libasan.so) ASAN_OPTIONS=detect_leaks=0 \
	ctest --test-dir build-asan --output-on-failure -j2 -R '^lua\.'

echo "== thread test under ThreadSanitizer"
scripts/tsan.sh

rm -rf build
scripts/setup.sh build -DPMEMSET_WERROR=ON
echo "== every test"
ctest --test-dir build --output-on-failure -j2
