#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# setup.sh -- install the Debian packages pmemset needs (when missing) and
# build it.   usage: scripts/setup.sh [build-dir] [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(build-essential cmake pkg-config libpmem2-dev libndctl-dev
	libdaxctl-dev libbsd-dev liblua5.4-dev lua5.4 lua-busted
	lua-check clang-format luarocks groff-base
	lua-ldoc)
# the workbench (issue 12): JSON out (dkjson) and parsed back in tests
# (cjson), SVG checks, the policy test kit
PACKAGES+=(lua-dkjson lua-cjson librsvg2-bin lua-filesystem)
# the Pacemaker health agent's tests (issue 13, docs/cluster.md)
PACKAGES+=(corosync pacemaker pacemaker-cli-utils pacemaker-resource-agents
	libxml2-utils)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
fi

BUILD=${1:-build}
shift || true
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$BUILD" -j"$(nproc)"
