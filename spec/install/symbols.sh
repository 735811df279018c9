#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# symbols.sh -- the names a library exports must be exactly the functions
# its public headers declare (plus any names given with -x).
#
# usage: symbols.sh <library (.so or .a)> <include dir> <header...>
#                   [-x extra-name...]
# Prints the differences and exits 1 when there are any.
set -eu

lib=$1
incdir=$2
shift 2
headers=
extra=
while [ $# -gt 0 ]; do
	case $1 in
	-x) extra="$extra $2"; shift 2 ;;
	*) headers="$headers $1"; shift ;;
	esac
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# declared: preprocess the headers, keep the text that comes from them (not
# from what they include), cut it into statements, drop typedefs, and keep
# every pmemset_*( / luaopen_*( name
for h in $headers; do
	echo "#include <$h>"
done | ${CC:-cc} -E -I"$incdir" - |
	awk -v headers="$headers" '
		BEGIN { n = split(headers, list, " "); for (i = 1; i <= n; i++) mine[list[i]] = 1 }
		/^# [0-9]+ "/ { f = $3; gsub(/"/, "", f); sub(/.*\//, "", f); keep = (f in mine); next }
		keep' |
	tr '\n' ' ' | tr ';{}' '\n' | grep -v '^ *typedef' |
	grep -o '\b\(pmemset\|luaopen\)_[a-z0-9_]* *(' | tr -d ' (' \
	>"$tmp/declared" || true
for x in $extra; do
	echo "$x" >>"$tmp/declared"
done
sort -u -o "$tmp/declared" "$tmp/declared"

# exported: defined global symbols, without symbol versions
case $lib in
*.a) nm -g --defined-only "$lib" ;;
*) nm -D --defined-only "$lib" ;;
esac | awk 'NF == 3 && $2 != "A" { sub(/@.*/, "", $3); print $3 }' |
	sort -u >"$tmp/exported"

if ! diff -u "$tmp/declared" "$tmp/exported" >"$tmp/diff"; then
	echo "symbols.sh: $lib: exported names (+) differ from the" \
		"headers' functions (-):"
	grep '^[-+][a-z]' "$tmp/diff"
	exit 1
fi
echo "symbols.sh: $lib exports the $(wc -l <"$tmp/exported") functions" \
	"of$headers$extra"
