-- SPDX-License-Identifier: BSD-3-Clause
-- pmemset.new and the set object; part objects and their data path
local pmemset = require "pmemset"
local lfs = require "lfs"
local support = require "spec_support"
local scratch, rmtree = support.scratch, support.rmtree
local read_file = support.read_file
local K64 = support.K64

describe("pmemset.new", function()
  it("needs a granularity", function()
    local set, msg, code = pmemset.new {}
    assert.is_nil(set)
    assert.is_string(msg)
    assert.equal("PMEMSET_E_GRANULARITY_NOT_SET", code)
  end)

  it("takes every option", function()
    local set = assert(pmemset.new {
      granularity = "page", reservation = "1M", coalescing = "opportunistic",
      acceptable_states = { "ok" }, on_event = function() end,
      on = { drain = function() end },
    })
    assert.equal("opportunistic", set:coalescing())
    assert.equal(0, set:count())
    set:close()
  end)

  it("reports a reservation it cannot make", function()
    local set, msg, code = pmemset.new { granularity = "page",
      reservation = "1P" }
    assert.is_nil(set)
    assert.matches("^cannot reserve 1125899906842624 bytes: ", msg)
    assert.is_string(code)
  end)

  it("leaves no mapping behind once closed", function()
    local function mappings()
      local n = 0
      for _ in io.lines("/proc/self/maps") do n = n + 1 end
      return n
    end
    local dir = scratch()
    local src = assert(pmemset.source.file(dir .. "/m", { create = "always" }))
    collectgarbage()
    local before = mappings()
    local set = assert(pmemset.new { granularity = "page",
      reservation = "1M" })
    assert(set:map(src, { length = "64K" }))
    assert.is_true(mappings() > before)
    set:close()
    assert.equal(before, mappings())
    src:close()
    rmtree(dir)
  end)

  it("places parts inside its own reservation only", function()
    local dir = scratch()
    local src = assert(pmemset.source.file(dir .. "/r", { create = "always" }))
    local set <close> = assert(pmemset.new { granularity = "page",
      reservation = "128K" })
    local a = assert(set:map(src, { length = "64K" }))
    local b = assert(set:map(src, { offset = "64K", length = "64K" }))
    assert.equal(a.addr + K64, b.addr)
    local c, msg, code = set:map(src, { offset = "128K", length = "64K" })
    assert.is_nil(c)
    assert.is_string(msg)
    assert.equal("PMEMSET_E_CANNOT_FIT_PART_MAP", code)
    assert.equal(2, set:count())
    src:close()
    rmtree(dir)
  end)
end)

describe("a set", function()
  local dir, src
  before_each(function()
    dir = scratch()
    src = assert(pmemset.source.file(dir .. "/pool", { create = "always" }))
  end)
  after_each(function()
    src:close()
    rmtree(dir)
  end)

  it("maps parts whose data reaches the source and the file", function()
    local set = assert(pmemset.new { granularity = "page" })
    local part = assert(set:map(src, { length = "64K" }))
    assert.equal(K64, part.size)
    assert.equal("integer", math.type(part.addr))
    assert.equal(set, part.set)
    assert.equal("page", set:granularity())
    assert.is_true(part:write(4096, "persistent"))
    assert.is_true(part:persist(4096, 10))
    assert.equal("persistent", part:read(4096, 10))
    assert.equal("persistent", src:pread(4096, 10))
    set:close()
    local disk = read_file(dir .. "/pool")
    assert.equal(K64, #disk)
    assert.equal("persistent", disk:sub(4097, 4106))
  end)

  it("maps with an offset and the whole source by default", function()
    local set <close> = assert(pmemset.new { granularity = "page" })
    local first = assert(set:map(src, { offset = "64K", length = "64K" }))
    assert.equal(2 * K64, lfs.attributes(dir .. "/pool", "size"))
    first:write(0, "at 64K")
    assert.equal("at 64K", src:pread(K64, 6))
    local whole = assert(set:map(src))
    assert.equal(2 * K64, whole.size)
    assert.equal("at 64K", whole:read(K64, 6))
  end)

  it("returns nil, message, code on map failures", function()
    local set <close> = assert(pmemset.new { granularity = "page" })
    local part, msg, code = set:map(src)
    assert.is_nil(part)
    assert.is_string(msg)
    assert.equal("PMEMSET_E_MAP_LENGTH_UNSET", code)
    part, msg, code = set:map(src, { length = 100 })
    assert.is_nil(part)
    assert.matches("100", msg)
    assert.equal("PMEMSET_E_LENGTH_UNALIGNED", code)
    assert.equal(0, set:count())
    local _, _, gcode = set:granularity()
    assert.equal("PMEMSET_E_NO_PART_MAPPED", gcode)
    assert.has_error(function() set:map(src, { size = 1 }) end,
      "set:map: unknown option 'size'")
    assert.has_error(function() set:map(src, { length = "big" }) end)
    assert.has_error(function() set:map("pool") end)
  end)

  it("refuses granularities a file cannot give", function()
    local set <close> = assert(pmemset.new { granularity = "byte" })
    local part, _, code = set:map(src, { length = "64K" })
    assert.is_nil(part)
    assert.equal("PMEMSET_E_INVALID_PMEM2_MAP", code)
  end)

  it("iterates over parts in address order", function()
    local set <close> = assert(pmemset.new { granularity = "page",
      reservation = "1M" })
    for i = 1, 4 do
      assert(set:map(src, { offset = (i - 1) * K64, length = K64 }))
    end
    assert.equal(4, set:count())
    local seen, last = 0, -1
    for p in set:parts() do
      seen = seen + 1
      assert.is_true(p.addr > last)
      last = p.addr
    end
    assert.equal(4, seen)
    -- removing while iterating is allowed
    for p in set:parts() do assert.is_true(set:remove(p)) end
    assert.equal(0, set:count())
    for _ in set:parts() do error("no parts expected") end
  end)

  it("finds parts by address", function()
    local set <close> = assert(pmemset.new { granularity = "page" })
    local part = assert(set:map(src, { length = "64K" }))
    local found = assert(set:part_at(part.addr + 100))
    assert.equal(part, found)
    local none, msg, code = set:part_at(part.addr + K64)
    assert.is_nil(none)
    assert.is_string(msg)
    assert.equal("PMEMSET_E_CANNOT_FIND_PART_MAP", code)
    assert.has_error(function() set:part_at("here") end)
  end)

  it("coalesces under full coalescing with a reservation", function()
    local set <close> = assert(pmemset.new { granularity = "page",
      reservation = "1M", coalescing = "full" })
    local a = assert(set:map(src, { length = "64K" }))
    local b = assert(set:map(src, { offset = "64K", length = "64K" }))
    assert.equal(a, b)
    assert.equal(2 * K64, a.size)
    assert.equal(1, set:count())
    assert.is_true(set:coalescing("none"))
    assert.equal("none", set:coalescing())
    assert(set:map(src, { offset = "128K", length = "64K" }))
    assert.equal(2, set:count())
    assert.has_error(function() set:coalescing("always") end)
  end)

  it("removes parts and ranges", function()
    local set <close> = assert(pmemset.new { granularity = "page",
      reservation = "1M", coalescing = "full" })
    local part = assert(set:map(src, { length = "64K" }))
    assert(set:map(src, { offset = "64K", length = "64K" }))
    assert(set:map(src, { offset = "128K", length = "64K" }))
    assert.equal(3 * K64, part.size)
    -- one byte in the middle part removes that whole part
    assert.is_true(set:remove_range(part.addr + K64 + 10, 1))
    assert.equal(2, set:count())
    assert.equal(K64, part.size)
    local ok, msg, code = set:remove_range(part.addr + K64, K64)
    assert.is_nil(ok)
    assert.is_string(msg)
    assert.equal("PMEMSET_E_CANNOT_FIND_PART_MAP", code)
    assert.is_true(set:remove(part))
    assert.is_false(part:is_mapped())
    ok, msg, code = set:remove(part)
    assert.is_nil(ok)
    assert.is_string(msg)
    assert.is_string(code)
    assert.equal(1, set:count())
  end)

  it("refuses parts of another set", function()
    local a <close> = assert(pmemset.new { granularity = "page" })
    local b <close> = assert(pmemset.new { granularity = "page" })
    local part = assert(a:map(src, { length = "64K" }))
    assert.has_error(function() b:remove(part) end)
    assert.equal(1, a:count())
  end)

  it("drains", function()
    local set <close> = assert(pmemset.new { granularity = "page" })
    assert.is_true(set:drain())
  end)

  it("closes idempotently; parts then raise", function()
    local set = assert(pmemset.new { granularity = "page",
      reservation = "1M" })
    local part = assert(set:map(src, { length = "64K" }))
    part:write(0, "bye")
    set:close()
    set:close()
    assert.matches("closed", tostring(set))
    assert.has_error(function() part:read(0, 3) end,
      "part:read: the set of this part is closed")
    assert.has_error(function() set:map(src) end)
    assert.is_false(part:is_mapped())
    assert.equal("bye", src:pread(0, 3))
    do
      local s2 <close> = assert(pmemset.new { granularity = "page" })
      assert(s2:map(src, { length = "64K" }))
    end
    for _ = 1, 20 do
      local s3 = assert(pmemset.new { granularity = "page" })
      assert(s3:map(src, { length = "64K" }))
    end
    collectgarbage()
    collectgarbage()
  end)
end)

describe("a part", function()
  local dir, src, set, part
  before_each(function()
    dir = scratch()
    src = assert(pmemset.source.file(dir .. "/pool", { create = "always" }))
    set = assert(pmemset.new { granularity = "page" })
    part = assert(set:map(src, { length = "64K" }))
  end)
  after_each(function()
    set:close()
    src:close()
    rmtree(dir)
  end)

  it("writes with flags given as names, lists or bits", function()
    assert.is_true(part:write(0, "a", "nodrain"))
    assert.is_true(part:write(1, "b", { "nodrain", "noflush" }))
    assert.is_true(part:write(2, "c", pmemset.flags.nontemporal))
    assert.equal("abc", part:read(0, 3))
    assert.has_error(function() part:write(0, "x", "fast") end)
    assert.has_error(function() part:write(0, "x", 1 << 10) end)
  end)

  it("fills and moves", function()
    assert.is_true(part:fill(100, 0x41, 10))
    assert.equal(("A"):rep(10), part:read(100, 10))
    part:write(0, "0123456789")
    assert.is_true(part:move(2, 0, 8)) -- overlapping
    assert.equal("0101234567", part:read(0, 10))
    assert.has_error(function() part:fill(0, 256, 1) end)
    assert.equal("0101234567", src:pread(0, 10))
  end)

  it("persists, flushes and deep-flushes ranges or the whole part", function()
    part:write(0, "x", "noflush")
    assert.is_true(part:flush(0, 1))
    assert.is_true(part:flush())
    assert.is_true(part:persist())
    assert.is_true(part:persist(4096))
    assert.is_true(part:deep_flush())
    assert.is_true(part:deep_flush(0, 4096))
  end)

  it("checks every access against the part bounds", function()
    local size = part.size
    assert.equal("", part:read(size, 0))
    assert.has_error(function() part:read(size - 1, 2) end,
      "part:read: range [65535, 65535 + 2) is outside the part (size 65536)")
    assert.has_error(function() part:write(size, "x") end)
    assert.has_error(function() part:fill(0, 0, size + 1) end)
    assert.has_error(function() part:move(0, size - 4, 8) end)
    assert.has_error(function() part:move(size - 4, 0, 8) end)
    assert.has_error(function() part:persist(size + 1) end)
    assert.has_error(function() part:flush(0, size + 1) end)
    assert.has_error(function() part:deep_flush(1, size) end)
    assert.has_error(function() part:read(-1, 1) end)
    assert.has_error(function() part:read(math.maxinteger, 2) end)
  end)

  it("raises a clear error once removed", function()
    local addr = part.addr
    assert.is_true(set:remove(part))
    for _, f in ipairs { function() part:read(0, 1) end,
                         function() part:write(0, "x") end,
                         function() part:fill(0, 1, 1) end,
                         function() part:persist() end } do
      local ok, err = pcall(f)
      assert.is_false(ok)
      assert.matches("no longer mapped", err)
    end
    assert.equal(addr, part.addr)
    assert.equal(K64, part.size)
    -- closing a part releases nothing and may be repeated
    part:close()
    part:close()
  end)
end)
