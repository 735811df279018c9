-- SPDX-License-Identifier: BSD-3-Clause
-- Lua event handlers: fields, order, subscription, errors, nesting
local pmemset = require "pmemset"
local support = require "spec_support"
local scratch, rmtree = support.scratch, support.rmtree
local K64 = support.K64

-- a recorder: every event as a table of its fields
local fields = {
  copy = { "src", "dest", "len", "flags" }, move = { "src", "dest", "len", "flags" },
  set = { "dest", "value", "len", "flags" }, flush = { "addr", "len" },
  drain = {}, persist = { "addr", "len" }, remove_range = { "addr", "len" },
  part_add = { "addr", "len" }, part_remove = { "addr", "len" },
  sds_update = { "sds", "source" }, badblock = { "offset", "length", "source" },
  badblocks_cleared = { "source" },
}
local function recorder(log)
  return function(set, ev)
    assert(getmetatable(set).__name == "pmemset.set")
    local t = { type = ev.type }
    for _, k in ipairs(fields[ev.type]) do t[k] = ev[k] end
    log[#log + 1] = t
  end
end

describe("event handlers", function()
  local dir, src
  before_each(function()
    dir = scratch()
    src = assert(pmemset.source.file(dir .. "/pool", { create = "always" }))
  end)
  after_each(function()
    src:close()
    rmtree(dir)
  end)

  it("see every event with its fields, in order (on_event)", function()
    local log = {}
    local set <close> = assert(pmemset.new { granularity = "page",
      on_event = recorder(log) })
    local part = assert(set:map(src, { length = "64K" }))
    local a = part.addr
    assert.same({ { type = "part_add", addr = a, len = K64 } }, log)
    part:write(8, "data")
    part:write(8, "data", "nodrain")
    part:fill(16, 7, 4)
    part:move(32, 8, 4)
    part:flush(0, 4096)
    part:persist(4096, 4096)
    set:drain()
    part:read(0, 4) -- fires nothing
    part:deep_flush() -- fires nothing
    assert(set:remove_range(a, 1))
    local n = #log
    assert.equal(14, n)
    local t = {}
    for i, ev in ipairs(log) do t[i] = ev.type end
    assert.same({ "part_add", "copy", "drain", "copy", "set", "drain", "move",
      "drain", "flush", "flush", "drain", "drain", "remove_range",
      "part_remove" }, t)
  end)

  it("carry the payload of each kind", function()
    local log = {}
    local set <close> = assert(pmemset.new { granularity = "page",
      on_event = recorder(log) })
    local part = assert(set:map(src, { length = "64K" }))
    local a = part.addr
    part:write(8, "data", { "nodrain" })
    part:fill(16, 7, 4, "nodrain")
    part:move(32, 8, 4, pmemset.flags.nodrain)
    part:flush(100, 200)
    assert(set:remove(part))
    assert.same({ type = "part_add", addr = a, len = K64 }, log[1])
    assert.equal("copy", log[2].type)
    assert.equal(a + 8, log[2].dest)
    assert.equal(4, log[2].len)
    assert.equal(pmemset.flags.nodrain, log[2].flags)
    assert.equal("integer", math.type(log[2].src))
    assert.same({ type = "set", dest = a + 16, value = 7, len = 4,
      flags = pmemset.flags.nodrain }, log[3])
    assert.same({ type = "move", src = a + 8, dest = a + 32, len = 4,
      flags = pmemset.flags.nodrain }, log[4])
    assert.same({ type = "flush", addr = a + 100, len = 200 }, log[5])
    assert.same({ type = "part_remove", addr = a, len = K64 }, log[6])
    assert.equal(6, #log)
  end)

  it("only enter Lua for subscribed kinds", function()
    local log = {}
    local set <close> = assert(pmemset.new { granularity = "page",
      on = { copy = recorder(log), part_remove = recorder(log) } })
    local part = assert(set:map(src, { length = "64K" }))
    part:write(0, "x")
    part:persist()
    set:drain()
    assert(set:remove(part))
    assert.equal(2, #log)
    assert.equal("copy", log[1].type)
    assert.equal("part_remove", log[2].type)
  end)

  it("let on.<kind> override on_event", function()
    local all, drains = {}, {}
    local set <close> = assert(pmemset.new { granularity = "page",
      on_event = recorder(all), on = { drain = recorder(drains) } })
    assert(set:map(src, { length = "64K" }))
    set:drain()
    assert.equal(1, #drains)
    assert.equal(1, #all)
    assert.equal("part_add", all[1].type)
  end)

  it("reuse one event object that expires after the handler", function()
    local kept = {}
    local set <close> = assert(pmemset.new { granularity = "page",
      on = { drain = function(_, ev) kept[#kept + 1] = ev end } })
    set:drain()
    set:drain()
    assert.equal(kept[1], kept[2])
    local ok, err = pcall(function() return kept[1].type end)
    assert.is_false(ok)
    assert.matches("after its handler returned", err)
    assert.matches("expired", tostring(kept[1]))
  end)

  it("turn handler errors into a message, never a crash", function()
    local set <close> = assert(pmemset.new { granularity = "page",
      on = { copy = function() error("copy handler failed") end,
             drain = function() error({ "not a string" }) end } })
    local part = assert(set:map(src, { length = "64K" }))
    assert.is_true(part:write(0, "still written", "nodrain"))
    assert.equal("still written", part:read(0, 13))
    assert.matches("copy handler failed", set:handler_error())
    assert.is_nil(set:handler_error()) -- consumed
    set:drain()
    assert.matches("table", set:handler_error())
  end)

  it("report a handler error in the failing map", function()
    local set <close> = assert(pmemset.new { granularity = "page",
      on = { part_add = function() error("part_add handler failed") end } })
    -- part_add cannot veto the map, but the error is kept
    assert(set:map(src, { length = "64K" }))
    assert.matches("part_add handler failed", set:handler_error())
  end)

  it("refuse parts being removed, allow nested data events", function()
    local log, inner = {}, {}
    local set, part
    set = assert(pmemset.new { granularity = "page", on = {
      part_remove = function(_, ev)
        -- the part may be unmapped already (remove_range): refused
        local ok, err = pcall(part.read, part, 0, 5)
        log[#log + 1] = not ok and err:match("refused in a part_remove")
        log[#log + 1] = ev.len
      end,
      copy = function(_, ev)
        if ev.len == 5 then part:write(100, "nested!") end
        inner[#inner + 1] = ev.len
      end,
    } })
    part = assert(set:map(src, { length = "64K" }))
    part:write(0, "hello")
    assert.same({ 7, 5 }, inner)
    assert.equal("nested!", part:read(100, 7))
    assert(set:remove(part))
    assert.same({ "refused in a part_remove", K64 }, log)
    set:close()
  end)

  it("refuse structural calls on their own set", function()
    local errs = {}
    local set
    set = assert(pmemset.new { granularity = "page", on = {
      part_add = function()
        for _, f in ipairs {
          function() set:map(src, { offset = "64K", length = "64K" }) end,
          function() set:close() end,
          function() set:parts() end,
          function() set:part_at(0) end,
          function() set:remove_range(0, 1) end,
        } do
          local ok, err = pcall(f)
          errs[#errs + 1] = not ok and err
        end
      end } })
    assert(set:map(src, { length = "64K" }))
    assert.equal(5, #errs)
    for _, e in ipairs(errs) do
      assert.matches("not allowed in an event handler", e)
    end
    assert.equal(1, set:count())
    set:close()
  end)

  it("run on the coroutine that called the set", function()
    local threads = {}
    local set <close> = assert(pmemset.new { granularity = "page",
      on = { drain = function() threads[#threads + 1] = coroutine.running() end } })
    local co = coroutine.create(function()
      set:drain()
      coroutine.yield()
      set:drain()
    end)
    assert(coroutine.resume(co))
    assert(coroutine.resume(co))
    set:drain()
    assert.equal(co, threads[1])
    assert.equal(co, threads[2])
    local main = coroutine.running()
    assert.equal(main, threads[3])
  end)

  it("may yield only where Lua allows it: errors are contained", function()
    local set <close> = assert(pmemset.new { granularity = "page",
      on = { drain = function() coroutine.yield() end } })
    local co = coroutine.wrap(function() set:drain() return "done" end)
    assert.equal("done", co())
    assert.matches("yield", set:handler_error())
  end)
end)
