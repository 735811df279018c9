#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# cluster-test.sh [build-dir] -- the Pacemaker health agent's tests
# (docs/cluster.md): its actions, crm_simulate, and the live one-node
# corosync + pacemaker cluster on 127.0.0.1, which needs root. Builds first
# (scripts/setup.sh installs corosync and pacemaker when missing). Unlike
# ctest, which skips the live test where it cannot run, this script fails
# then.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
scripts/setup.sh "$BUILD"
for t in agent simulate live; do
	echo "== cluster.$t"
	sh "spec/cluster/${t}_test.sh" "$BUILD" .
done
