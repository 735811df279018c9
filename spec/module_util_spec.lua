-- SPDX-License-Identifier: BSD-3-Clause
-- pmemset module: loading, sizes, error names, flags, option checking
local pmemset = require "pmemset"

describe("require 'pmemset'", function()
  it("returns the same table as pmemset.core with the Lua helpers", function()
    assert.equal(pmemset, require "pmemset.core")
    assert.is_function(pmemset.layout)
    assert.is_function(pmemset.load_layout)
    assert.is_function(pmemset.new)
    assert.is_function(pmemset.source.file)
    assert.is_function(pmemset.source.temporary)
  end)

  it("lists the event names in enum order", function()
    assert.same({ "copy", "move", "set", "flush", "drain", "persist",
      "remove_range", "part_add", "part_remove", "sds_update", "badblock",
      "badblocks_cleared" }, pmemset.events)
  end)

  it("maps error names to the C codes", function()
    assert.equal(-200015, pmemset.errors.PMEMSET_E_LENGTH_UNALIGNED)
    assert.equal(-200000, pmemset.errors.PMEMSET_E_UNKNOWN)
    assert.equal(-200038, pmemset.errors.PMEMSET_E_BADBLOCK_NOSUPP)
    assert.is_nil(pmemset.errors.PMEMSET_E_NOT_A_CODE)
    local n = 0
    for name, code in pairs(pmemset.errors) do
      if name:match("^PMEMSET_E_") then
        n = n + 1
        assert.is_true(code <= -200000 and code >= -200038)
      end
    end
    assert.equal(38, n) -- -200034 is unassigned
  end)

  it("exposes the memory flags with the C values", function()
    assert.same({ nodrain = 1, nontemporal = 2, temporal = 4, wc = 8,
      wb = 16, noflush = 32 }, pmemset.flags)
  end)

  it("exposes the part states as bits", function()
    assert.same({ indeterminate = 1, ok = 2, ok_but_already_open = 4,
      ok_but_interrupted = 8, corrupted = 16 }, pmemset.states)
  end)
end)

describe("pmemset.size", function()
  it("takes numbers and strings with powers of 1024", function()
    assert.equal(4096, pmemset.size(4096))
    assert.equal(4096, pmemset.size("4096"))
    assert.equal(64 * 1024, pmemset.size("64K"))
    assert.equal(64 * 1024, pmemset.size("64KiB"))
    assert.equal(2 ^ 50 // 1, pmemset.size("1P"))
    assert.equal(2 ^ 50 // 1, pmemset.size("1PiB"))
    assert.equal(5 * 2 ^ 30 // 1, pmemset.size("5GiB"))
    assert.equal(2 * 1024 * 1024, pmemset.size("2M"))
    assert.equal(1024 * 1024 * 1024, pmemset.size("1G"))
    assert.equal(3 * 2 ^ 40 // 1, pmemset.size("3T"))
    assert.equal(0, pmemset.size(0))
  end)

  it("rejects malformed, negative and overflowing sizes", function()
    for _, bad in ipairs { "abc", "", "12Q", "1KB", "-1", " 1", "1.5K", "64k",
                           "1Ki", "1KiBB", "1 K", "0x10", "1e3" } do
      local v, why = pmemset.size(bad)
      assert.is_nil(v, bad)
      assert.equal(('expected a size, got "%s"'):format(bad), why:sub(1, #bad + 23))
    end
    assert.is_nil(pmemset.size(-1))
    assert.is_nil(pmemset.size(1.5))
    assert.is_nil(pmemset.size({}))
    local v, why = pmemset.size("99999999999999999999")
    assert.is_nil(v)
    assert.matches("overflow", why)
    v, why = pmemset.size("16777216P")
    assert.is_nil(v)
    assert.matches("overflow", why)
    -- fits size_t but not a Lua integer
    assert.is_nil(pmemset.size("9223372036854775808"))
  end)

  it("is used by every size argument", function()
    assert.has_error(function() pmemset.new { granularity = "page",
      reservation = "12Q" } end,
      'pmemset.new: reservation: expected a size, got "12Q" '
      .. "(unknown unit (use K, M, G, T, P or KiB, MiB, GiB, TiB, PiB))")
    assert.has_error(function() pmemset.new { granularity = "page",
      reservation = "99999999999P" } end)
  end)
end)

describe("option tables", function()
  it("reject unknown keys naming the key", function()
    assert.has_error(function() pmemset.new { granularity = "page", foo = 1 } end,
      "pmemset.new: unknown option 'foo'")
    assert.has_error(function()
      pmemset.source.file("/nonexistent", { create = "always", grwo = false })
    end, "pmemset.source.file: unknown option 'grwo'")
  end)

  it("reject bad values naming the option", function()
    assert.has_error(function() pmemset.new { granularity = "huge" } end,
      'pmemset.new: granularity: expected one of "byte", "cache_line", '
      .. '"page", got "huge"')
    assert.has_error(function() pmemset.new { granularity = "page",
      coalescing = 3 } end)
    assert.has_error(function() pmemset.new { granularity = "page",
      acceptable_states = { "ok", "fine" } } end)
    assert.has_error(function() pmemset.new { granularity = "page",
      acceptable_states = "ok" } end)
    assert.has_error(function() pmemset.new { granularity = "page",
      on = { explode = function() end } } end)
    assert.has_error(function() pmemset.new { granularity = "page",
      on = { copy = 1 } } end)
    assert.has_error(function() pmemset.new { granularity = "page",
      on_event = true } end)
  end)

  it("wrong argument types raise naming the argument", function()
    assert.has_error(function() pmemset.new("page") end)
    local ok, err = pcall(pmemset.source.file, {})
    assert.is_false(ok)
    assert.matches("bad argument #1", err)
    ok, err = pcall(pmemset.source.temporary)
    assert.is_false(ok)
    assert.matches("bad argument #1", err)
  end)
end)
