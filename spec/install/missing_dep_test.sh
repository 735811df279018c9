#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# missing_dep_test.sh -- a configuration without libpmem2 (pkg-config finds
# nothing) fails, and says which Debian package to install.
# usage: missing_dep_test.sh <source dir>
set -eu
work=$(mktemp -d "${TMPDIR:-/tmp}/pmemset-nodep.XXXXXX")
trap 'rm -rf "$work"' EXIT
if PKG_CONFIG_LIBDIR=$work PKG_CONFIG_PATH='' \
	cmake -S "$1" -B "$work/build" >"$work/log" 2>&1; then
	echo "configured without libpmem2"
	exit 1
fi
grep -A2 'CMake Error' "$work/log"
grep -q 'libpmem2 not found by pkg-config: install the Debian package' \
	"$work/log"
grep -q 'libpmem2-dev' "$work/log"
