#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# main-job-c.sh -- the C example: three parts coalesced into one part map.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/examples/pmemset-layout-example ] || scripts/setup.sh build
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
build/examples/pmemset-layout-example "$dir"
