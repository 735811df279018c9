-- SPDX-License-Identifier: BSD-3-Clause
-- pmemset.testing: every incident the kit stages gives the state the core
-- defines for it (docs/emulation.md, contract §3.10), and the decisions,
-- events and records it returns are those of the run.
local pmemset = require "pmemset"
local testing = require "pmemset.testing"
local lfs = require "lfs"
local support = require "spec_support"

local function layout(...)
  local parts = {}
  for i, f in ipairs { ... } do
    parts[i] = { file = f, badblock_detection = true }
  end
  return { granularity = "page", parts = parts }
end

local tolerant = { acceptable_states = {
  "ok", "ok_but_already_open", "ok_but_interrupted", "corrupted",
  "indeterminate" } }

describe("pmemset.testing", function()
  local lab, pool
  before_each(function()
    lab = testing.lab(support.scratch())
    lab:device("dimm-0", { usc = 4 })
    pool = lab:file("dimm-0", "pool.a", "64K")
  end)
  after_each(function() lab:close() end)

  it("maps on an emulated device with its id and usc", function()
    local run = lab:map(layout(pool))
    assert.is_true(run.ok, run.err)
    assert.equal("ok", run.states[pool])
    local d = run:decision("state", pool)
    assert.is_true(d.accepted)
    assert.equal(1, run:count("sds_update"))
    assert.same({ id = "dimm-0", usc = 4, refcount = 1 }, lab.records[pool])
    run.parts[1]:write(0, "kept")
    run:close()
    assert.same({ id = "dimm-0", usc = 4, refcount = 0 }, lab.records[pool])
    assert.equal("kept", support.read_file(pool):sub(1, 4))
  end)

  it("hands bad blocks to the policy and records its decision", function()
    lab:badblock(pool, 8192, 4096)
    local run = lab:map(layout(pool), { policy = { on = {
      badblock = function(set, ev) return set:clear_badblock(ev) end,
    } } })
    assert.is_true(run.ok, run.err)
    local d = run:decision("badblock", pool)
    assert.is_true(d.accepted)
    assert.equal(8192, d.event.offset)
    assert.equal(4096, d.event.length)
    assert.equal(1, run:count("badblocks_cleared"))
    assert.same({}, pmemset.emu.state().badblocks)
  end)

  it("reports a refused bad block and maps nothing", function()
    lab:badblock(pool, 0, 4096)
    local run = lab:map(layout(pool), { policy = { on = {
      badblock = function() return false, "live data" end,
    } } })
    assert.is_false(run.ok)
    assert.is_string(run.err)
    local d = run:decision("badblock", pool)
    assert.is_false(d.accepted)
    assert.equal("live data", d.why)
    assert.equal(1, #pmemset.emu.state().badblocks)
  end)

  it("records a handler's error as a refusal with its message", function()
    lab:badblock(pool, 0, 4096)
    local run = lab:map(layout(pool), { policy = { on = {
      badblock = function() error("policy bug") end,
    } } })
    assert.is_false(run.ok)
    local d = run:decision("badblock")
    assert.is_false(d.accepted)
    assert.is_true(d.error)
    assert.matches("policy bug", d.why)
  end)

  it("an unsafe shutdown after a clean close is ok", function()
    lab:map(layout(pool)):close()
    assert.equal(5, lab:unsafe_shutdown("dimm-0"))
    local run = lab:map(layout(pool))
    assert.is_true(run.ok, run.err)
    assert.equal("ok", run.states[pool])
    assert.equal(5, lab.records[pool].usc)
  end)

  it("a crash while open makes the next map interrupted", function()
    lab:map(layout(pool)):crash()
    assert.equal(1, lab.records[pool].refcount)
    local run = lab:map(layout(pool))
    assert.is_false(run.ok)
    assert.equal("PMEMSET_E_UNDESIRABLE_PART_STATE", run.code)
    assert.equal("ok_but_interrupted", run.states[pool])
    assert.is_false(run:decision("state", pool).accepted)
    run = lab:map(layout(pool), { policy = tolerant })
    assert.is_true(run.ok, run.err)
  end)

  it("a crash and an unsafe shutdown make it corrupted", function()
    lab:map(layout(pool)):crash()
    lab:unsafe_shutdown("dimm-0")
    local run = lab:map(layout(pool), { policy = tolerant })
    assert.equal("corrupted", run.states[pool])
  end)

  it("a crash and a replaced device make it indeterminate", function()
    lab:map(layout(pool)):crash()
    lab:replace_device("dimm-0", "dimm-1")
    local run = lab:map(layout(pool), { policy = tolerant })
    assert.equal("indeterminate", run.states[pool])
    assert.same({ "dimm-1" }, { pmemset.emu.state().devices[1].id })
  end)

  it("a replaced device after a clean close is adopted", function()
    lab:map(layout(pool)):close()
    lab:replace_device("dimm-0", "dimm-1", { usc = 9 })
    local run = lab:map(layout(pool))
    assert.equal("ok", run.states[pool])
    run:close()
    assert.same({ id = "dimm-1", usc = 9, refcount = 0 }, lab.records[pool])
  end)

  it("gives policy scripts an application key store as host", function()
    local dir = support.scratch()
    local path = dir .. "/policy.lua"
    support.write_file(path, [[
      return { acceptable_states = function(state, info)
        host.set("seen." .. info.path, state)
        return host.get("allow") == 1, "not allowed"
      end }]])
    lab.host.set("allow", 0)
    local run = lab:map(layout(pool), { policy = path })
    assert.is_false(run.ok)
    assert.equal("not allowed", run:decision("state").why)
    assert.equal("ok", lab.host.get("seen." .. pool))
    local changes = {}
    lab.host.track("allow", { "modify" }, function(change, key, new, old)
      changes[#changes + 1] = { change, key, new, old }
    end)
    lab.host.set("allow", 1)
    assert.same({ { "modify", "allow", 1, 0 } }, changes)
    assert.is_true(lab:map(layout(pool), { policy = path }).ok)
    support.rmtree(dir)
  end)

  it("close unmaps, removes its directory and restores the selection", function()
    local before = lab.previous
    local run = lab:map(layout(pool))
    local addr = run.parts[1].addr
    local dir = lab.dir
    lab:close()
    assert.is_nil(lfs.attributes(dir))
    assert.equal(before, pmemset.emu.selected())
    local maps = support.read_file("/proc/self/maps")
    assert.is_nil(maps:find(("%x-"):format(addr), 1, true))
    lab = testing.lab(support.scratch()) -- for after_each
  end)
end)
