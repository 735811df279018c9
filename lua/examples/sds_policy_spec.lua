-- SPDX-License-Identifier: BSD-3-Clause
-- sds_policy_spec.lua -- how an operator tests a shutdown-state policy
-- (sds_policy.lua) with busted and pmemset.testing, before deploying it:
--
--   busted --lua=lua5.4 lua/examples/sds_policy_spec.lua
--
-- Each test stages an incident on an emulated device in a scratch
-- directory, maps a pool under the policy and checks what it decided.
local testing = require "pmemset.testing"

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local policy = here .. "sds_policy.lua"

describe("sds_policy.lua", function()
  local lab, pool, layout
  before_each(function()
    lab = testing.lab()
    lab:device("dimm-0", { usc = 4 })
    pool = lab:file("dimm-0", "pool.a", "64K")
    layout = { granularity = "page", parts = { { file = pool } } }
  end)
  after_each(function() lab:close() end)

  it("maps a pool closed cleanly", function()
    local run = lab:map(layout, { policy = policy })
    assert.is_true(run.ok, run.err)
    assert.equal("ok", run.states[pool])
  end)

  it("maps a pool closed cleanly before an unsafe shutdown", function()
    lab:map(layout, { policy = policy }):close()
    lab:unsafe_shutdown("dimm-0")
    local run = lab:map(layout, { policy = policy })
    assert.is_true(run.ok, run.err)
    assert.equal(5, lab.records[pool].usc)
  end)

  it("refuses an interrupted pool without a recovery", function()
    lab:map(layout, { policy = policy }):crash()
    local run = lab:map(layout, { policy = policy })
    assert.is_false(run.ok)
    local d = run:decision("state", pool)
    assert.equal("ok_but_interrupted", d.state)
    assert.equal("interrupted and no recovery is ready", d.why)
  end)

  it("accepts an interrupted pool whose recovery is ready", function()
    lab:map(layout, { policy = policy }):crash()
    lab.host.set("recovery." .. pool, "ready")
    local run = lab:map(layout, { policy = policy })
    assert.is_true(run.ok, run.err)
    assert.equal("ok_but_interrupted", run.states[pool])
  end)

  it("refuses a pool in use during an unsafe shutdown, even with a recovery",
    function()
      lab:map(layout, { policy = policy }):crash()
      lab:unsafe_shutdown("dimm-0")
      lab.host.set("recovery." .. pool, "ready")
      local run = lab:map(layout, { policy = policy })
      assert.is_false(run.ok)
      local d = run:decision("state", pool)
      assert.equal("corrupted", d.state)
      assert.matches("usc 4 %-> 5", d.why)
      assert.matches("restore from a backup", run.err)
    end)

  it("refuses a pool whose device was replaced while in use", function()
    lab:map(layout, { policy = policy }):crash()
    lab:replace_device("dimm-0", "dimm-1")
    local run = lab:map(layout, { policy = policy })
    assert.is_false(run.ok)
    assert.equal("indeterminate", run:decision("state", pool).state)
  end)
end)
