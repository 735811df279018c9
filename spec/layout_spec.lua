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

  it("names the path of every bad field", function()
    local function bad(t, msg)
      local ok, err = pcall(pmemset.layout, t)
      assert.is_false(ok)
      assert.truthy(err:find(msg, 1, true), err)
      local found = false
      for _, p in ipairs(pmemset.check_layout(t)) do
        found = found or (p.path .. ": " .. p.message):find(msg, 1, true)
      end
      assert.truthy(found, msg)
    end
    local f = dir .. "/x"
    local one = { { file = f } }
    bad({ parts = { { file = f, create = "always" }, { file = f, length = "abc" } } },
      'parts[2].length: expected a size, got "abc" (a size is digits with an '
      .. 'optional unit)')
    bad({ granularity = "huge", parts = one },
      'granularity: expected one of "byte", "cache_line", "page", got "huge"')
    bad({ colaescing = "full", parts = one },
      'layout.colaescing: unknown field (did you mean "coalescing"?)')
    bad({ parts = { { file = f, lenght = "64K" }, { file = f, lenght = "64K" } } },
      'parts[2].lenght: unknown field (did you mean "length"?)')
    bad({ reservation = -1, parts = one },
      "reservation: expected a size, got -1 (not a non-negative integer)")
    bad({ acceptable_states = { "ok", "meh" }, parts = one },
      'acceptable_states[2]: expected one of "indeterminate", "ok", '
      .. '"ok_but_already_open", "ok_but_interrupted", "corrupted", got "meh"')
    bad({ parts = { { length = "64K" } } },
      "parts[1]: needs a file or a temporary directory")
    bad({ parts = { { file = f, temporary = dir } } },
      "parts[1]: file and temporary exclude each other")
    bad({ parts = { { temporary = dir, create = "always" } } },
      "parts[1].create: only for file parts")
    bad({ parts = { { file = f, create = "sometimes" } } },
      'parts[1].create: expected one of "never", "always", "if_needed", got "sometimes"')
    bad({ parts = { { file = f, grow = "yes" } } },
      'parts[1].grow: expected a boolean, got "yes"')
    bad({ parts = { { file = f, mode = 0x1000 } } },
      "parts[1].mode: expected a file mode")
    bad({ parts = { { file = f, mode = "rw" } } },
      'parts[1].mode: expected a file mode (an integer from 0 to 0o7777 or an '
      .. 'octal string such as "0644"), got "rw"')
    bad({ parts = { { file = f, sds = { usc = -1 } } } },
      "parts[1].sds: sds.usc: expected a non-negative integer, got -1")
    bad({ parts = { { file = f, colour = 1 } } }, "parts[1].colour: unknown field")
    bad({ parts = { { file = f, name = "p" }, { file = f, name = "p" } } },
      'parts[2].name: duplicate name "p" (also parts[1])')
    bad({ parts = { x = {} } }, 'parts: expected a list of parts, found the key "x"')
    bad({ parts = { file = f } }, 'parts: expected a list of parts, found the key "file"')
    bad({ parts = {} }, "parts: empty (a layout maps at least one part)")
    bad({ granularity = "page" }, "parts: missing (a list of parts)")
    bad({ parts = { { file = f, offset = 100 } } },
      "parts[1].offset: offset 100 is not a multiple of the page size")
    bad({ parts = { { file = f, length = "6000" } } },
      "parts[1].length: length 6000 is not a multiple of the page size")
    bad({ on = { boom = print }, parts = one }, 'on.boom: expected one of "copy", "move"')
    bad({ on = { copy = 1 }, parts = one }, "on.copy: expected a function, got 1")
    bad("page", 'layout: expected a table, got "page"')
    bad({ on_event = 1, parts = one }, "on_event: expected a function, got 1")
    bad({ policy = 1, parts = one }, "policy: expected a string, got 1")
  end)

  it("lists every problem at once, without touching anything", function()
    local problems = pmemset.check_layout {
      granularty = "page", parts = { { file = dir .. "/a", lenght = "64K" },
        { temporary = dir, length = "1X" } } }
    assert.same({
      { path = "layout.granularty", message = 'unknown field (did you mean "granularity"?)' },
      { path = "parts[1].lenght", message = 'unknown field (did you mean "length"?)' },
      { path = "parts[2].length",
        message = 'expected a size, got "1X" (unknown unit (use K, M, G, T, P or '
          .. 'KiB, MiB, GiB, TiB, PiB))' },
    }, problems)
    assert.same({}, pmemset.check_layout { on_event = print,
      parts = { { temporary = dir, length = "1G" } } })
    assert.same({}, entries(dir))
  end)

  it("reports where each part went, as plain data", function()
    local layout = require "pmemset.layout"
    local set = assert(pmemset.layout { coalescing = "full", reservation = "1M",
      parts = {
        { file = dir .. "/a", create = "always", length = "64K", name = "a" },
        { file = dir .. "/a", offset = "64K", length = "128K" },
      } })
    local r = layout.report(set)
    assert.equal(1, r.part_maps)
    assert.equal("page", r.granularity)
    assert.equal("full", r.coalescing)
    assert.equal(2, #r.parts)
    local p1, p2 = r.parts[1], r.parts[2]
    assert.same({ 1, "a", dir .. "/a", 0, K64, 1, 3 * K64 },
      { p1.part, p1.name, p1.source, p1.offset, p1.size, p1.map, p1.map_size })
    assert.same({ 2, K64, 2 * K64, 1 }, { p2.part, p2.offset, p2.size, p2.map })
    assert.equal(p1.addr + K64, p2.addr)
    assert.matches("part maps: 1", layout.format_report(r))
    set:close()
  end)

  it("takes modes as integers and octal strings", function()
    local set = assert(pmemset.layout { parts = {
      { file = dir .. "/a", create = "always", length = "64K", mode = "0600" },
      { file = dir .. "/b", create = "always", length = "64K", mode = 384 } } })
    set:close()
    assert.equal("rw-------", lfs.attributes(dir .. "/a", "permissions"))
    assert.equal("rw-------", lfs.attributes(dir .. "/b", "permissions"))
  end)

  it("refuses an offset the source cannot take, naming its alignment", function()
    local set, msg = pmemset.layout { parts = {
      { file = dir .. "/a", create = "always", length = "64K" },
      { file = dir .. "/b", create = "always", length = "64K", offset = "4K" } } }
    if set then -- 4K is the alignment of regular files here: mapped
      set:close()
      return
    end
    assert.matches("offset 4096 is not a multiple of the source's alignment", msg)
    assert.same({}, entries(dir))
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
        { file = dir .. "/new2", create = "if_needed", grow = false, length = "64K" },
      },
      on = { part_add = function() events[#events + 1] = "add" end },
    }
    assert.is_nil(set)
    assert.matches("^parts%[4%] %(.*new2%): ", msg)
    assert.is_string(code)
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
    assert.matches("^parts%[2%] %(.*missing%): ", msg)
    assert.equal("PMEMSET_E_INVALID_SOURCE_PATH", code)
    assert.same({}, entries(dir))
  end)

  it("maps with page granularity when the layout names none", function()
    local set = assert(pmemset.layout {
      parts = { { file = dir .. "/a", create = "always", length = "64K" } } })
    assert.equal("page", set:granularity())
    set:close()
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
    local path = script([[return { granularity = GRANULARITY,
      parts = { { temporary = DIR, length = "64K" } } }]])
    local set = pmemset.load_layout(path, { GRANULARITY = "page", DIR = dir })
    assert.is_truthy(set)
    assert.equal(1, set:count())
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
    assert.equal(dir .. '/layout.lua: parts[1].length: expected a size, got "abc" '
      .. "(a size is digits with an optional unit)", msg)
    assert.equal("EINVAL", code)
  end)
end)
