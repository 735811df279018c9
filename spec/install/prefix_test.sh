#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# prefix_test.sh -- install into a fresh prefix, move it elsewhere, and use
# it as the README's "Install" section says, with no LD_LIBRARY_PATH.
#
# usage: prefix_test.sh <build dir> <source dir> <version> <libdir>
#                       [<Lua C-module dir> <Lua module dir>]
# (the directories are relative to the prefix; no Lua dirs: Lua is off)
set -eu

build=$1
src=$2
version=$3
libdir=$4
cmod=${5:-}
lmod=${6:-}
here=$(cd "$(dirname "$0")" && pwd)
unset LD_LIBRARY_PATH LUA_PATH LUA_CPATH PKG_CONFIG_PATH CMAKE_PREFIX_PATH

work=$(mktemp -d "${TMPDIR:-/tmp}/pmemset-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
step() { echo "== $*"; }

step "the README says what this test does"
readme=$src/README.md
majmin=${version%.*}
for line in 'cmake --install build --prefix' \
	'cc app.c $(pkg-config --cflags --libs libpmemset)' \
	'cc host.c $(pkg-config --cflags --libs libpmemset-lua)' \
	"find_package(pmemset $majmin CONFIG REQUIRED)" \
	'target_link_libraries(app PRIVATE pmemset::pmemset)' \
	'target_link_libraries(host PRIVATE pmemset::lua)' 'cpack -G DEB'; do
	grep -qF "$line" "$readme" || { echo "README lacks: $line"; exit 1; }
done

step "cmake --install $build --prefix $work/first"
cmake --install "$build" --prefix "$work/first" >/dev/null
# configured for one prefix, installed in another, then moved: a
# relocatable install works from wherever it is
mv "$work/first" "$work/prefix"
p=$work/prefix
docdir=$p/share/doc/pmemset
for f in include/libpmemset.h include/pmemset_ext.h "$libdir/libpmemset.so" \
	"$libdir/libpmemset.a" "$libdir/pkgconfig/libpmemset.pc" \
	"$libdir/cmake/pmemset/pmemsetConfig.cmake" \
	"$libdir/cmake/pmemset/pmemsetConfigVersion.cmake" \
	share/man/man7/libpmemset.7 share/doc/pmemset/README.md \
	share/doc/pmemset/examples/layout.c; do
	[ -e "$p/$f" ] || { echo "missing: $f"; exit 1; }
done
grep -q "pmemset $version" "$p/share/man/man7/libpmemset.7"

step "pkg-config: libpmemset $version"
export PKG_CONFIG_PATH="$p/$libdir/pkgconfig"
[ "$(pkg-config --modversion libpmemset)" = "$version" ]
[ "$(cd "$(pkg-config --variable=includedir libpmemset)" && pwd)" = \
	"$(cd "$p/include" && pwd)" ]
pclibdir=$(pkg-config --variable=libdir libpmemset)

step "the C example through pkg-config (shared, RUNPATH of the caller)"
# shellcheck disable=SC2046 # word splitting is what pkg-config wants
${CC:-cc} -o "$work/layout-shared" "$docdir/examples/layout.c" \
	$(pkg-config --cflags --libs libpmemset) -Wl,-rpath,"$pclibdir"
mkdir "$work/run1"
"$work/layout-shared" "$work/run1" | grep -q 'PART_ADD'

step "the C example through pkg-config --static (libpmemset.a)"
# shellcheck disable=SC2046
${CC:-cc} -o "$work/layout-static" "$docdir/examples/layout.c" \
	$(pkg-config --cflags libpmemset) "$pclibdir/libpmemset.a" \
	$(pkg-config --libs --static libpmemset | sed 's/-lpmemset\b//')
if readelf -d "$work/layout-static" | grep -q 'libpmemset\.so'; then
	echo "layout-static needs libpmemset.so"
	exit 1
fi
mkdir "$work/run2"
"$work/layout-static" "$work/run2" | grep -q 'PART_ADD'

lua=
[ -n "$cmod" ] && lua=ON
step "find_package(pmemset $version CONFIG)"
cmake -S "$here/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$p" \
	-DPMEMSET_EXPECT_VERSION="$version" -DPMEMSET_EXPECT_LUA="${lua:-OFF}" \
	-DPMEMSET_EXAMPLE="$docdir/examples/layout.c" >/dev/null
cmake --build "$work/consumer" >/dev/null
mkdir "$work/run3"
"$work/consumer/layout" "$work/run3" | grep -q 'PART_ADD'

step "exported symbols"
sym="$here/symbols.sh"
pub="libpmemset.h pmemset_ext.h pmemset_emu.h pmemset_inventory.h"
# shellcheck disable=SC2086 # the header list is split on purpose
sh "$sym" "$p/$libdir/libpmemset.so" "$p/include" $pub
# shellcheck disable=SC2086
sh "$sym" "$p/$libdir/libpmemset.a" "$p/include" $pub

[ -n "$lua" ] || exit 0

step "the host through find_package: pmemset::lua"
"$work/consumer/host" | grep -qx "pmemset $version"
# the module's entry points are exported too, for hosts of their own
luaopen="-x luaopen_pmemset -x luaopen_pmemset_core"
# shellcheck disable=SC2086
sh "$sym" "$p/$libdir/libpmemset-lua.so" "$p/include" pmemset_lua.h $luaopen
# shellcheck disable=SC2086
sh "$sym" "$p/$libdir/libpmemset-lua.a" "$p/include" pmemset_lua.h $luaopen
# the Lua module: only its entry points
# shellcheck disable=SC2086
sh "$sym" "$p/$cmod/pmemset.so" "$p/include" stddef.h $luaopen

step "pmemset-lua --version (RUNPATH \$ORIGIN)"
readelf -d "$p/bin/pmemset-lua" | grep -q 'RUNPATH.*\$ORIGIN'
# the libraries found are the prefix's, not a system copy
for lib in libpmemset.so.0 libpmemset-lua.so.0; do
	ldd "$p/bin/pmemset-lua" | grep -q "$lib => $p/" ||
		{ echo "pmemset-lua does not find $p's $lib"; exit 1; }
done
"$p/bin/pmemset-lua" --version | grep "^pmemset-lua $version "
"$p/bin/pmemset-lua" -e "assert(require('pmemset')._VERSION == '$version')"
grep -q "pmemset $version" "$p/share/man/man1/pmemset-lua.1"

step "lua5.4 -e 'require \"pmemset\"' from $cmod and $lmod"
readelf -d "$p/$cmod/pmemset.so" | grep -q 'RUNPATH.*\$ORIGIN'
[ -f "$p/$lmod/pmemset/init.lua" ]
LUA_CPATH="$p/$cmod/?.so" LUA_PATH="$p/$lmod/?.lua;$p/$lmod/?/init.lua" \
	lua5.4 -e "
local pmemset = require 'pmemset'
assert(pmemset._VERSION == '$version', pmemset._VERSION)
assert(package.searchpath('pmemset', package.path) ==
	'$p/$lmod/pmemset/init.lua')
assert(type(pmemset.layout) == 'function')
local set <close> = assert(pmemset.new{granularity = 'page'})
print('lua5.4: pmemset ' .. pmemset._VERSION)"

step "pmemset-lua --health with the prefix's default policy; the OCF agent"
printf 'return { parts = { { temporary = "/tmp", length = 4096 } } }\n' >"$work/empty_layout.lua"
"$p/bin/pmemset-lua" --health "$work/empty_layout.lua" |
	grep -qx 'green: 1 source(s) healthy'
agent=$p/lib/ocf/resource.d/pmemset/HealthPmem
"$agent" meta-data | grep -q '<resource-agent name="HealthPmem"'
echo "install.prefix: all good"
