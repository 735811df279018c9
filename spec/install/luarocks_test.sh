#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# luarocks_test.sh -- `luarocks make` of the rockspec into a fresh tree, on
# a copy of the sources (luarocks builds in the source directory), then
# require "pmemset" from that tree.
#
# usage: luarocks_test.sh <source dir> <version>
set -eu

src=$1
version=$2
here=$(cd "$(dirname "$0")" && pwd)
rockspec=pmemset-$version-1.rockspec
unset LD_LIBRARY_PATH LUA_PATH LUA_CPATH LUA_PATH_5_4 LUA_CPATH_5_4

work=$(mktemp -d "${TMPDIR:-/tmp}/pmemset-rock.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== the rockspec is named for version $version"
[ -f "$src/$rockspec" ]
grep -q "^version = \"$version-1\"" "$src/$rockspec"

echo "== the README's commands are the ones run here"
for line in "luarocks --lua-version=5.4 make --tree \"\$HOME/rocks\" $rockspec" \
	"eval \"\$(luarocks --lua-version=5.4 --tree \"\$HOME/rocks\" path)\""; do
	grep -qF "$line" "$src/README.md" ||
		{ echo "README lacks: $line"; exit 1; }
done

mkdir "$work/src"
tar -C "$src" --exclude='./build*' --exclude=./.git -cf - . |
	tar -C "$work/src" -xf -
echo "== luarocks --lua-version=5.4 make --tree $work/tree $rockspec"
cd "$work/src"
CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2} \
	luarocks --lua-version=5.4 make --tree "$work/tree" "$rockspec" >"$work/log" 2>&1 ||
	{ cat "$work/log"; exit 1; }

echo "== require \"pmemset\" from the tree"
eval "$(luarocks --lua-version=5.4 --tree "$work/tree" path)"
so=$(lua5.4 -e "print(package.searchpath('pmemset', package.cpath))")
# the core is built in: no libpmemset.so needed, only luaopen_* exported
if readelf -d "$so" | grep -q 'NEEDED.*libpmemset'; then
	echo "$so needs libpmemset"
	exit 1
fi
sh "$here/symbols.sh" "$so" "$src/include" stddef.h \
	-x luaopen_pmemset -x luaopen_pmemset_core
cd "$work"
lua5.4 -e "
local pmemset = require 'pmemset'
assert(pmemset._VERSION == '$version', pmemset._VERSION)
assert(type(pmemset.layout) == 'function')
local src <close> = assert(pmemset.source.temporary('$work'))
local set <close> = assert(pmemset.new{granularity = 'page'})
local part = assert(set:map(src, {length = '64K'}))
part:write(0, 'rock')
assert(part:read(0, 4) == 'rock')
print('luarocks: pmemset ' .. pmemset._VERSION .. ' from ' .. '$so')"
