#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# main-job.sh -- the main demonstration: pmemset-lua maps a layout whose
# pool file lies on an emulated persistent-memory device with a bad block;
# the bad-block policy (lua/examples/badblock_policy.lua) clears it because
# the application marked that range free, and the table of the mapping and
# of the events is printed. Everything is created under a temporary
# directory, removed at the end.
#
# usage: scripts/main-job.sh [build-dir]   (default: build)
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
bin=${PMEMSET_LUA_BIN:-$build/pmemset-lua}
if [ ! -x "$bin" ]; then
	# a fresh clone: install what is missing and build
	"$root/scripts/setup.sh" "$build"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/pmemset-main.XXXXXX")
trap 'rm -rf "$work"' EXIT

# the pool file and the emulated device it lives on: id dimm-0, unsafe
# shutdown count 3, and one bad block of 4 KiB at offset 8 KiB
mkdir "$work/pmem"
truncate -s 64K "$work/pmem/pool.a"
cat > "$work/devices.txt" <<DESC
device dimm-0 usc=3 path=$work/pmem
badblock $work/pmem/pool.a 8192 4096
DESC

echo "== emulated devices ($work/devices.txt)"
cat "$work/devices.txt"
echo "== $bin --emulate devices.txt --layout badblock_layout.lua"
PMEMSET_EXAMPLE_DIR=$work/pmem "$bin" --emulate "$work/devices.txt" \
	--layout "$root/lua/examples/badblock_layout.lua" \
	-e 'for k, v in host.keys("decisions.") do print(k, v) end'
echo "== emulated devices afterwards (the bad block is gone)"
cat "$work/devices.txt"
