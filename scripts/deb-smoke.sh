#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# deb-smoke.sh -- build the Debian packages from the tree (cpack -G DEB)
# and try them as a user would, then leave the machine as it was: install
# them with dpkg -i, build the C example with pkg-config and run it,
# require "pmemset" from lua5.4, run pmemset-lua --version, and purge them.
#
# usage: scripts/deb-smoke.sh [build-dir]   (default: build-deb)
# Runs as root (or with sudo). Refuses to run when a pmemset package is
# already installed, so it never removes one it did not install.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-deb}
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
PKGS="libpmemset0 libpmemset-lua0 libpmemset-dev lua-pmemset pmemset-lua"

for p in $PKGS; do
	if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q installed
	then
		echo "deb-smoke: $p is installed already: not touching it" >&2
		exit 1
	fi
done

echo "== cpack -G DEB in $build (prefix /usr)"
cmake -S "$root" -B "$build" -DCMAKE_INSTALL_PREFIX=/usr \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo -DPMEMSET_BUILD_TESTS=OFF \
	-DPMEMSET_BUILD_BENCH=OFF -DPMEMSET_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
version_deb=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")/\1/p' \
	"$build/CPackConfig.cmake")
rm -f "$build"/*.deb
(cd "$build" && cpack -G DEB >/dev/null)
ls "$build"/*.deb
# one .deb per package, no stray component package
n=0
for p in $PKGS; do
	[ -f "$build/${p}_${version_deb}_$(dpkg --print-architecture).deb" ] ||
		{ echo "no $p package" >&2; exit 1; }
	n=$((n + 1))
done
[ "$(find "$build" -maxdepth 1 -name '*.deb' | wc -l)" -eq $n ]

work=$(mktemp -d "${TMPDIR:-/tmp}/pmemset-deb.XXXXXX")
cleanup() {
	echo "== dpkg --purge $PKGS"
	# shellcheck disable=SC2086 # one argument per package
	$SUDO dpkg --purge $PKGS >/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

echo "== dpkg -i"
$SUDO dpkg -i "$build"/*.deb >/dev/null

unset LD_LIBRARY_PATH LUA_PATH LUA_CPATH PKG_CONFIG_PATH
version=$(pkg-config --modversion libpmemset)
echo "== the C example with pkg-config (libpmemset $version)"
# shellcheck disable=SC2046 # word splitting is what pkg-config wants
cc -o "$work/layout" /usr/share/doc/pmemset/examples/layout.c \
	$(pkg-config --cflags --libs libpmemset)
"$work/layout" "$work" | grep 'PART_ADD'

echo "== lua5.4 -e 'require \"pmemset\"'"
lua5.4 -e "local p = require 'pmemset'
assert(p._VERSION == '$version', p._VERSION)
print('pmemset ' .. p._VERSION .. ' from ' ..
	package.searchpath('pmemset', package.cpath))"

echo "== pmemset-lua --version"
pmemset-lua --version | grep "^pmemset-lua $version "
man -w pmemset-lua libpmemset

echo "== ocf:pmemset:HealthPmem and pmemset-lua --health (default policy)"
/usr/lib/ocf/resource.d/pmemset/HealthPmem meta-data | grep -q HealthPmem
printf 'return { parts = { { temporary = "/tmp", length = 4096 } } }\n' >"$work/layout.lua"
pmemset-lua --health "$work/layout.lua"
echo "deb-smoke: all good"
