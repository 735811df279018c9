-- SPDX-License-Identifier: BSD-3-Clause
-- SDS states, acceptable-state lists and Lua state policies, bad-block
-- events, pmemset.emu and pmemset.inventory -- on emulated devices
local pmemset = require "pmemset"
local support = require "spec_support"
local scratch, rmtree = support.scratch, support.rmtree
local write_file = support.write_file
local K64 = support.K64
local emu = pmemset.emu

describe("on emulated devices", function()
  local dir, pool
  before_each(function()
    dir = scratch()
    pool = dir .. "/pool"
    assert(emu.select(dir .. "/devices.txt"))
    assert(emu.device_add("dimm-A", 5, dir))
  end)
  after_each(function()
    assert(emu.select(nil))
    rmtree(dir)
  end)

  local function sds_source(sds)
    local src = assert(pmemset.source.file(pool, { create = "if_needed" }))
    assert(src:set_sds(sds or pmemset.sds()))
    return src
  end

  it("emu reports and changes the devices", function()
    assert.equal(dir .. "/devices.txt", emu.selected())
    local st = assert(emu.state())
    assert.same({ { id = "dimm-A", usc = 5, path = dir } }, st.devices)
    assert.same({}, st.badblocks)
    assert.equal(6, emu.unsafe_shutdown("dimm-A"))
    assert.is_true(emu.set_usc("dimm-A", 9))
    assert.equal(9, emu.state().devices[1].usc)
    local ok, msg, code = emu.device_add("dimm-A", 1, dir)
    assert.is_nil(ok)
    assert.is_string(msg)
    assert.is_string(code)
    assert.is_nil((emu.unsafe_shutdown("no-such-dimm")))
    assert.has_error(function() emu.set_usc("dimm-A", -1) end)
    local parsed = assert(emu.state("device d1 usc=3 path=/\n"))
    assert.same({ id = "d1", usc = 3, path = "/" }, parsed.devices[1])
    assert.is_nil((emu.state("this is not a description")))
    assert.is_true(emu.device_remove("dimm-A"))
    assert.same({}, emu.state().devices)
  end)

  it("inventory lists the emulated DIMMs", function()
    local inv = assert(pmemset.inventory())
    local found
    for _, d in ipairs(inv.dimms) do
      if d.emulated and d.path == dir then found = d end
    end
    assert.is_truthy(found)
    assert.equal(5, found.usc)
    assert.is_table(inv.buses)
    assert.is_table(inv.regions)
    assert.is_table(inv.namespaces)
  end)

  it("classifies SDS parts and reports updates", function()
    local updates = {}
    local set = assert(pmemset.new { granularity = "page",
      on = { sds_update = function(_, ev)
        updates[#updates + 1] = { sds = ev.sds, source = ev.source }
      end } })
    local src = sds_source()
    assert(set:map(src, { length = "64K" }))
    assert.equal("ok", src:state())
    assert(set:map(src, { offset = "64K", length = "64K" }))
    assert.equal("ok_but_already_open", src:state())
    assert.equal(2, #updates)
    assert.same({ id = "dimm-A", usc = 5, refcount = 1 }, updates[1].sds)
    assert.same({ id = "dimm-A", usc = 5, refcount = 2 }, updates[2].sds)
    assert.equal(src, updates[1].source)
    set:close()
    assert.equal(4, #updates)
    assert.equal(0, updates[4].sds.refcount)
    src:close()
  end)

  it("refuses states outside acceptable_states with nothing mapped", function()
    -- saved while open, no unsafe shutdown since: interrupted
    local src = sds_source { id = "dimm-A", usc = 5, refcount = 1 }
    local set <close> = assert(pmemset.new { granularity = "page" })
    local part, msg, code = set:map(src, { length = "64K" })
    assert.is_nil(part)
    assert.is_string(msg)
    assert.equal("PMEMSET_E_UNDESIRABLE_PART_STATE", code)
    assert.equal("ok_but_interrupted", src:state())
    assert.equal(0, set:count())
    src:close()

    local tolerant <close> = assert(pmemset.new { granularity = "page",
      acceptable_states = { "ok", "ok_but_interrupted" } })
    src = sds_source { id = "dimm-A", usc = 5, refcount = 1 }
    assert(tolerant:map(src, { length = "64K" }))
    src:close()
  end)

  it("detects corruption after an unsafe shutdown", function()
    assert.equal(6, emu.unsafe_shutdown("dimm-A"))
    local src = sds_source { id = "dimm-A", usc = 5, refcount = 1 }
    local set <close> = assert(pmemset.new { granularity = "page",
      acceptable_states = { "ok", "ok_but_already_open", "ok_but_interrupted" } })
    local _, _, code = set:map(src, { length = "64K" })
    assert.equal("PMEMSET_E_UNDESIRABLE_PART_STATE", code)
    assert.equal("corrupted", src:state())
    src:close()
  end)

  it("asks a Lua policy with the state and its context", function()
    local calls = {}
    local set <close> = assert(pmemset.new { granularity = "page",
      acceptable_states = function(state, info)
        calls[#calls + 1] = { state = state, info = info }
        if state == "ok" then return true end
        return false, "only clean parts, got " .. state
      end })
    local src = sds_source()
    local part = assert(set:map(src, { length = "64K" }))
    assert.equal(1, #calls)
    assert.equal("ok", calls[1].state)
    local info = calls[1].info
    assert.equal(pool, info.path)
    assert.equal("dimm-A", info.device_id)
    assert.equal(5, info.usc)
    assert.equal(0, info.use_count)
    assert.same({ id = "", usc = 0, refcount = 0 }, info.stored)

    local none, msg, code = set:map(src, { offset = "64K", length = "64K" })
    assert.is_nil(none)
    assert.equal("PMEMSET_E_UNDESIRABLE_PART_STATE", code)
    assert.matches("only clean parts, got ok_but_already_open", msg)
    assert.equal(1, calls[2].info.use_count)
    assert.equal(1, set:count())
    assert.equal(K64, part.size)
    src:close()
  end)

  it("refuses when the policy raises, keeping the error", function()
    local set <close> = assert(pmemset.new { granularity = "page",
      acceptable_states = function() error("policy exploded") end })
    local src = sds_source()
    local part, msg, code = set:map(src, { length = "64K" })
    assert.is_nil(part)
    assert.equal("PMEMSET_E_UNDESIRABLE_PART_STATE", code)
    assert.matches("policy exploded", msg)
    assert.equal(0, set:count())
    src:close()
  end)

  it("delivers bad blocks and lets handlers clear them", function()
    local src = assert(pmemset.source.file(pool, { create = "always" }))
    local set0 <close> = assert(pmemset.new { granularity = "page" })
    local p0 = assert(set0:map(src, { length = "64K" }))
    p0:fill(0, 0x55, K64)
    assert(emu.badblock_add(pool, 8192, 4096))
    src:set_badblock_detection(true)
    local log = {}
    local set <close> = assert(pmemset.new { granularity = "page", on = {
      badblock = function(s, ev)
        log[#log + 1] = { "badblock", ev.offset, ev.length, ev.source == src }
        assert(s:clear_badblock(ev))
      end,
      badblocks_cleared = function(_, ev)
        log[#log + 1] = { "cleared", ev.source == src }
      end,
      part_add = function() log[#log + 1] = { "part_add" } end,
    } })
    assert(set:map(src, { offset = "64K", length = "64K" }))
    assert.same({ { "badblock", 8192, 4096, true }, { "cleared", true },
      { "part_add" } }, log)
    assert.equal(("\0"):rep(4096), src:pread(8192, 4096))
    assert.equal(("\x55"):rep(4), src:pread(4096, 4))
    assert.same({}, emu.state().badblocks)
    src:close()
  end)

  it("aborts the map when a badblocks_cleared handler fails", function()
    write_file(pool, ("\x55"):rep(K64))
    local src = assert(pmemset.source.file(pool))
    assert(emu.badblock_add(pool, 0, 4096))
    src:set_badblock_detection(true)
    local set <close> = assert(pmemset.new { granularity = "page", on = {
      badblock = function(s, ev) s:clear_badblock(ev) end,
      badblocks_cleared = function() error("refusing this source") end,
    } })
    local part, msg, code = set:map(src, { length = "64K" })
    assert.is_nil(part)
    assert.matches("refusing this source", msg)
    assert.equal("ECANCELED", code)
    assert.equal(0, set:count())
    src:close()
  end)

  it("fails the map with IO_FAIL when bad blocks stay", function()
    write_file(pool, ("\x55"):rep(K64))
    local src = assert(pmemset.source.file(pool))
    assert(emu.badblock_add(pool, 0, 4096))
    src:set_badblock_detection(true)
    local seen = 0
    local set <close> = assert(pmemset.new { granularity = "page",
      on = { badblock = function() seen = seen + 1 end } })
    local part, _, code = set:map(src, { length = "64K" })
    assert.is_nil(part)
    assert.equal("PMEMSET_E_IO_FAIL", code)
    assert.equal(1, seen)
    src:close()
  end)
end)
