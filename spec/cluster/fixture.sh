# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# fixture.sh -- sourced by the cluster tests: a pool on an emulated device
# and the layout and policies the health agent evaluates.
#
#   fixture_make DIR    DIR/pmem/pool (128K) on device "dimm-0" (usc 0),
#                       described in DIR/devices.emu; DIR/layout.lua maps its
#                       first 64K with bad-block detection and a saved SDS
#                       (dimm-0, usc 0, refcount 1: the application had it
#                       open and can recover an interrupted pool); its
#                       badblock handler clears blocks in the unused second
#                       half and refuses the others
#   emu CODE            runs Lua CODE with pmemset.emu as "emu"
# Needs PMEMSET_LUA (the pmemset-lua program) and SRC (the source tree).

fixture_make() {
	FIX=$1
	mkdir -p "$FIX/pmem"
	truncate -s 128K "$FIX/pmem/pool"
	POOL=$FIX/pmem/pool
	EMU=$FIX/devices.emu
	printf 'device dimm-0 usc=0 path=%s\n' "$FIX/pmem" >"$EMU"
	LAYOUT=$FIX/layout.lua
	cat >"$LAYOUT" <<LUA
return {
  acceptable_states = { "ok", "ok_but_already_open", "ok_but_interrupted" },
  parts = {
    { file = "$POOL", length = "64K", badblock_detection = true,
      sds = { id = "dimm-0", usc = 0, refcount = 1 } },
  },
  on = {
    badblock = function(set, ev)
      if ev.offset >= 65536 then return set:clear_badblock(ev) end
      return false, "bad block in live data"
    end,
  },
}
LUA
	POLICY=$SRC/lua/examples/health_policy.lua
	export FIX POOL EMU LAYOUT POLICY
}

emu() {
	"$PMEMSET_LUA" --emulate "$EMU" \
		-e "local emu = require('pmemset').emu; $1"
}
