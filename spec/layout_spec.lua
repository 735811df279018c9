-- SPDX-License-Identifier: BSD-3-Clause
-- pmemset.layout / pmemset.load_layout
local pmemset = require "pmemset"
local lfs = require "lfs"
local support = require "spec_support"
local scratch, rmtree = support.scratch, support.rmtree
local entries, read_file = support.entries, support.read_file
local K64 = support.K64

describe("pmemset.layout", function()
  local dir
  before_each(function() dir = scratch() end)
  after_each(function() rmtree(dir) end)

  it("builds a set with its parts and sources", function()
    local added = {}
    local set, parts, sources = pmemset.layout {
      granularity = "page",
      coalescing = "none",
      reservation = "1M",
      acceptable_states = { "ok", "ok_but_already_open" },
      parts = {
        { file = dir .. "/a.pool", create = "if_needed", length = "64K",
          name = "a", badblock_detection = false },
        { file = dir .. "/b.pool", create = "always", offset = "64K",
          length = "128K", mode = 0x180 },
        { temporary = dir, length = "64K", name = "scratch" },
      },
      on = { part_add = function(_, ev) added[#added + 1] = ev.len end },
    }
    assert.is_truthy(set, parts)
    assert.equal(3, set:count())
    assert.same({ K64, 2 * K64, K64 }, added)
    assert.equal(parts[1], parts.a)
    assert.equal(parts[3], parts.scratch)
    assert.equal(2 * K64, parts[2].size)
    assert.equal(3, #sources)
    parts.a:write(0, "layout a")
    parts[2]:write(0, "layout b")
    set:close()
    for _, src in ipairs(sources) do src:close() end
    assert.equal("layout a", read_file(dir .. "/a.pool"):sub(1, 8))
    assert.equal("layout b", read_file(dir .. "/b.pool"):sub(K64 + 1, K64 + 8))
    assert.equal("rw-------", lfs.attributes(dir .. "/b.pool", "permissions"))
    assert.same({ "a.pool", "b.pool" }, entries(dir))
  end)

  it("coalesces parts as asked", function()
    local set, parts = pmemset.layout {
      granularity = "page", coalescing = "full", reservation = "1M",
      parts = {
        { file = dir .. "/a", create = "always", length = "64K" },
        { file = dir .. "/b", create = "always", length = "64K" },
      },
    }
    assert.is_truthy(set)
    assert.equal(1, set:count())
    assert.equal(parts[1], parts[2])
    assert.equal(2 * K64, parts[1].size)
    set:close()
  end)

  it("names the path of a bad field", function()
    local function bad(t, msg)
      local ok, err = pcall(pmemset.layout, t)
      assert.is_false(ok)
      assert.equal(msg, err)
    end
    local f = dir .. "/x"
    bad({ granularity = "page", parts = { { file = f, create = "always" },
      { file = f, length = "abc" } } },
      'parts[2].length: expected a size, got "abc"')
    bad({ granularity = "huge" },
      'granularity: expected one of byte, cache_line, page, got "huge"')
    bad({ granularity = "page", colaescing = "full" },
      'layout: unknown field "colaescing"')
    bad({ granularity = "page", reservation = -1 },
      "reservation: expected a size, got -1")
    bad({ granularity = "page", acceptable_states = { "ok", "meh" } },
      'acceptable_states[2]: expected one of indeterminate, ok, '
      .. 'ok_but_already_open, ok_but_interrupted, corrupted, got "meh"')
    bad({ granularity = "page", parts = { { length = "64K" } } },
      "parts[1]: needs exactly one of file or temporary")
    bad({ granularity = "page", parts = { { file = f, temporary = dir } } },
      "parts[1]: needs exactly one of file or temporary")
    bad({ granularity = "page", parts = { { temporary = dir, create = "always" } } },
      "parts[1].create: only for file parts")
    bad({ granularity = "page", parts = { { file = f, grow = "yes" } } },
      'parts[1].grow: expected a boolean, got "yes"')
    bad({ granularity = "page", parts = { { file = f, mode = 0x400 } } },
      "parts[1].mode: expected an integer from 0 to 0x1ff, got 1024")
    bad({ granularity = "page", parts = { { file = f, sds = { usc = -1 } } } },
      "parts[1]: sds.usc: expected a non-negative integer, got -1")
    bad({ granularity = "page", parts = { { file = f, colour = 1 } } },
      'parts[1]: unknown field "colour"')
    bad({ granularity = "page", parts = { { file = f, name = "p" },
      { file = f, name = "p" } } }, 'parts[2].name: duplicate name "p"')
    bad({ granularity = "page", parts = { x = {} } },
      'parts: expected a list, found key "x"')
    bad({ granularity = "page", on = { boom = print } },
      'on.boom: expected one of copy, move, set, flush, drain, persist, '
      .. 'remove_range, part_add, part_remove, sds_update, badblock, '
      .. 'badblocks_cleared, got "boom"')
    bad({ granularity = "page", on = { copy = 1 } },
      "on.copy: expected a function, got 1")
    bad("page", 'layout: expected a table, got "page"')
    bad({ granularity = "page", on_event = 1 },
      "on_event: expected a function, got 1")
    assert.is_true(pmemset.check_layout { granularity = "page",
      on_event = print, parts = { { temporary = dir, length = "1G" } } })
    assert.same({}, entries(dir)) -- validation touches nothing
  end)

  it("undoes everything when a part fails to map", function()
    local pre = dir .. "/existing"
    local f = assert(io.open(pre, "wb"))
    f:write(("e"):rep(K64))
    f:close()
    local events = {}
    local set, msg, code = pmemset.layout {
      granularity = "page",
      parts = {
        { file = dir .. "/new1", create = "always", length = "64K" },
        { file = pre, length = "64K" },
        { temporary = dir, length = "64K" },
        { file = dir .. "/new2", create = "if_needed", length = 100 },
      },
      on = { part_add = function() events[#events + 1] = "add" end },
    }
    assert.is_nil(set)
    assert.matches("^parts%[4%]: ", msg)
    assert.equal("PMEMSET_E_LENGTH_UNALIGNED", code)
    assert.equal(3, #events)
    assert.same({ "existing" }, entries(dir))
    assert.equal(("e"):rep(K64), read_file(pre))
  end)

  it("reports sources it cannot open", function()
    local set, msg, code = pmemset.layout {
      granularity = "page",
      parts = {
        { file = dir .. "/made", create = "always", length = "64K" },
        { file = dir .. "/missing", length = "64K" },
      },
    }
    assert.is_nil(set)
    assert.matches("^parts%[2%]: ", msg)
    assert.equal("PMEMSET_E_INVALID_SOURCE_PATH", code)
    assert.same({}, entries(dir))
  end)

  it("reports a set it cannot create", function()
    local set, _, code = pmemset.layout {
      parts = { { file = dir .. "/a", create = "always", length = "64K" } } }
    assert.is_nil(set)
    assert.equal("PMEMSET_E_GRANULARITY_NOT_SET", code)
    assert.same({}, entries(dir))
  end)

  it("passes SDS records to the sources", function()
    local set, msg, code = pmemset.layout {
      granularity = "page",
      parts = { { file = dir .. "/s", create = "always", length = "64K",
        sds = { id = "", usc = 0, refcount = 0 } } },
    }
    -- regular files do not report unsafe shutdowns
    assert.is_nil(set)
    assert.is_string(msg)
    assert.equal("PMEMSET_E_SDS_NOSUPP", code)
    assert.same({}, entries(dir))
  end)
end)

describe("pmemset.load_layout", function()
  local dir
  before_each(function() dir = scratch() end)
  after_each(function() rmtree(dir) end)

  local function script(text)
    local path = dir .. "/layout.lua"
    local f = assert(io.open(path, "w"))
    f:write(text)
    f:close()
    return path
  end

  it("runs a layout script and builds what it returns", function()
    local path = script(([[
      return {
        granularity = "page",
        parts = { { file = %q, create = "always", length = "64K", name = "p" } },
      }]]):format(dir .. "/p.pool"))
    local set, parts = pmemset.load_layout(path)
    assert.is_truthy(set)
    parts.p:write(0, "from script")
    set:close()
    assert.equal("from script", read_file(dir .. "/p.pool"):sub(1, 11))
  end)

  it("runs the script in the given environment", function()
    local path = script([[return { granularity = GRANULARITY }]])
    local set = pmemset.load_layout(path, { GRANULARITY = "page" })
    assert.is_truthy(set)
    assert.equal(0, set:count())
    set:close()
  end)

  it("returns errors of missing and broken scripts", function()
    local set, msg = pmemset.load_layout(dir .. "/none.lua")
    assert.is_nil(set)
    assert.matches("none.lua", msg)
    set, msg = pmemset.load_layout(script("return {"))
    assert.is_nil(set)
    assert.is_string(msg)
    set, msg = pmemset.load_layout(script("error('no layout today')"))
    assert.is_nil(set)
    assert.matches("no layout today", msg)
    local code
    set, msg, code = pmemset.load_layout(script(
      "return { granularity = 'page', parts = { { file = 'x', length = 'abc' } } }"))
    assert.is_nil(set)
    assert.equal(dir .. '/layout.lua: parts[1].length: expected a size, got "abc"', msg)
    assert.equal("EINVAL", code)
  end)
end)
