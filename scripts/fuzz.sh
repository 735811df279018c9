#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# fuzz.sh -- build the emulated-device description parser's libFuzzer
# target with clang and run it.
#
# usage: scripts/fuzz.sh [seconds (default 60)] [output dir]
# The output dir (default build-fuzz/) keeps the growing corpus and any
# crash-* file; spec/fuzz/corpus/ holds the seeds kept in git.
set -eu

secs=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
out=${2:-$root/build-fuzz}
jobs=${FUZZ_JOBS:-1}

mkdir -p "$out/corpus"
clang -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined \
	-I"$root/src/device" \
	"$root/spec/fuzz/fuzz_emu_parse.c" "$root/src/device/emu_state.c" \
	-o "$out/fuzz_emu_parse"

cd "$out"
exec ./fuzz_emu_parse -max_total_time="$secs" -jobs="$jobs" \
	-workers="$jobs" -max_len=4096 -print_final_stats=1 \
	corpus "$root/spec/fuzz/corpus"
