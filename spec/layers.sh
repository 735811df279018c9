#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# layers.sh -- the device layer stands below the core: nothing in
# src/device includes a header of src/core, and only the core sets
# pmemset_errormsg() (err_msg, err_errno).
# usage: layers.sh <source dir>
set -eu
cd "$1/src"
status=0
for h in core/*.h; do
	name=${h#core/}
	if grep -n "#include \"$name\"" device/*; then
		echo "layers.sh: src/device includes the core's $name"
		status=1
	fi
done
if grep -n '\berr_\(msg\|errno\)\b' device/*; then
	echo "layers.sh: src/device sets the core's error message"
	status=1
fi
exit $status
