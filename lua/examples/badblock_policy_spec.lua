-- SPDX-License-Identifier: BSD-3-Clause
-- badblock_policy_spec.lua -- how an operator tests a bad-block policy
-- (badblock_policy.lua) with busted and pmemset.testing:
--
--   busted --lua=lua5.4 lua/examples/badblock_policy_spec.lua
--
-- The policy clears a bad block only inside a range the application marked
-- free (host key free.<file>.<offset> = length) and refuses the others.
local pmemset = require "pmemset"
local testing = require "pmemset.testing"

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local policy = here .. "badblock_policy.lua"

describe("badblock_policy.lua", function()
  local lab, pool, layout
  before_each(function()
    lab = testing.lab()
    lab:device("dimm-0")
    pool = lab:file("dimm-0", "pool.a", "64K")
    layout = { granularity = "page",
               parts = { { file = pool, badblock_detection = true } } }
    lab.host.set("free." .. pool .. ".0", 16384)
  end)
  after_each(function() lab:close() end)

  it("clears a bad block inside a free range", function()
    lab:badblock(pool, 8192, 4096)
    local run = lab:map(layout, { policy = policy })
    assert.is_true(run.ok, run.err)
    assert.is_true(run:decision("badblock", pool).accepted)
    assert.equal("cleared", lab.host.get("decisions." .. pool .. ".8192"))
    assert.same({}, pmemset.emu.state().badblocks)
  end)

  it("refuses a bad block in live data and the map fails", function()
    lab:badblock(pool, 32768, 4096)
    local run = lab:map(layout, { policy = policy })
    assert.is_false(run.ok)
    local d = run:decision("badblock", pool)
    assert.is_false(d.accepted)
    assert.equal("bad block in live data", d.why)
    assert.equal("refused", lab.host.get("decisions." .. pool .. ".32768"))
    assert.equal(1, #pmemset.emu.state().badblocks)
  end)

  it("refuses a bad block straddling the end of the free range", function()
    lab:badblock(pool, 12288, 8192)
    local run = lab:map(layout, { policy = policy })
    assert.is_false(run.ok)
    assert.is_false(run:decision("badblock", pool).accepted)
  end)

  it("maps a pool without bad blocks and decides nothing", function()
    local run = lab:map(layout, { policy = policy })
    assert.is_true(run.ok, run.err)
    assert.is_nil(run:decision("badblock"))
  end)
end)
