-- SPDX-License-Identifier: BSD-3-Clause
-- pmemset.source: file and temporary sources
local pmemset = require "pmemset"
local lfs = require "lfs"
local support = require "spec_support"
local scratch, rmtree = support.scratch, support.rmtree
local write_file, read_file = support.write_file, support.read_file

describe("pmemset.source", function()
  local dir
  before_each(function() dir = scratch() end)
  after_each(function() rmtree(dir) end)

  it("opens an existing file and reads and writes it", function()
    write_file(dir .. "/a", ("x"):rep(8192))
    local src = assert(pmemset.source.file(dir .. "/a"))
    assert.equal(4096, src:alignment())
    assert.equal(dir .. "/a", src:path())
    assert.equal("xxx", src:pread(0, 3))
    assert.is_true(src:pwrite(100, "hello"))
    assert.equal("hello", src:pread(100, 5))
    assert.equal("", src:pread(8192, 0))
    src:close()
    local disk = read_file(dir .. "/a")
    assert.equal("hello", disk:sub(101, 105))
    assert.equal(8192, #disk)
  end)

  it("fails on a missing file without create", function()
    local src, msg, code = pmemset.source.file(dir .. "/missing")
    assert.is_nil(src)
    assert.matches("missing", msg)
    assert.equal("PMEMSET_E_INVALID_SOURCE_PATH", code)
    assert.is_nil(lfs.attributes(dir .. "/missing"))
  end)

  it("creates with create = 'always' (truncating) and 'if_needed'", function()
    write_file(dir .. "/a", "old data")
    local src = assert(pmemset.source.file(dir .. "/a", { create = "always" }))
    src:close()
    assert.equal(0, lfs.attributes(dir .. "/a", "size"))

    write_file(dir .. "/b", "keep")
    src = assert(pmemset.source.file(dir .. "/b", { create = "if_needed" }))
    src:close()
    assert.equal("keep", read_file(dir .. "/b"))

    src = assert(pmemset.source.file(dir .. "/c", { create = "if_needed" }))
    src:close()
    assert.equal(0, lfs.attributes(dir .. "/c", "size"))
  end)

  it("creates files with the given mode", function()
    local src = assert(pmemset.source.file(dir .. "/m",
      { create = "always", mode = 0x180 })) -- 0600
    src:close()
    assert.equal("rw-------", lfs.attributes(dir .. "/m", "permissions"))
  end)

  it("validates create, grow and mode", function()
    assert.has_error(function()
      pmemset.source.file(dir .. "/a", { create = "sometimes" })
    end)
    assert.has_error(function()
      pmemset.source.file(dir .. "/a", { create = "always", grow = "no" })
    end, "pmemset.source.file: option 'grow': expected a boolean")
    assert.has_error(function()
      pmemset.source.file(dir .. "/a", { create = "always", mode = 0x200 })
    end)
    assert.has_error(function()
      pmemset.source.file(dir .. "/a", { create = "always", mode = 1.5 })
    end)
    assert.is_nil(lfs.attributes(dir .. "/a"))
  end)

  it("grow = false refuses to extend the file at map time", function()
    local src = assert(pmemset.source.file(dir .. "/g",
      { create = "always", grow = false }))
    local set <close> = assert(pmemset.new { granularity = "page" })
    local part, msg, code = set:map(src, { length = "64K" })
    assert.is_nil(part)
    assert.is_string(msg)
    assert.equal("PMEMSET_E_SOURCE_FILE_IS_TOO_SMALL", code)
    assert.equal(0, lfs.attributes(dir .. "/g", "size"))

    local growable = assert(pmemset.source.file(dir .. "/h", { create = "always" }))
    assert(set:map(growable, { length = "64K" }))
    assert.equal(65536, lfs.attributes(dir .. "/h", "size"))
    src:close()
    growable:close()
  end)

  it("makes temporary sources that leave no file behind", function()
    local src = assert(pmemset.source.temporary(dir))
    local set <close> = assert(pmemset.new { granularity = "page" })
    local part = assert(set:map(src, { length = "64K" }))
    part:write(0, "temp")
    assert.equal("temp", src:pread(0, 4))
    src:close()
    local n = 0
    for f in lfs.dir(dir) do
      if f ~= "." and f ~= ".." then n = n + 1 end
    end
    assert.equal(0, n)
    -- parts outlive the deleted source
    assert.equal("temp", part:read(0, 4))
  end)

  it("reports bad temporary directories", function()
    local src, _, code = pmemset.source.temporary(dir .. "/nope")
    assert.is_nil(src)
    assert.equal("PMEMSET_E_INVALID_SOURCE_PATH", code)
    write_file(dir .. "/file", "")
    src, _, code = pmemset.source.temporary(dir .. "/file")
    assert.is_nil(src)
    assert.equal("PMEMSET_E_CANNOT_CREATE_TEMP_FILE", code)
  end)

  it("bounds-checks pread and pwrite against the file size", function()
    local src = assert(pmemset.source.temporary(dir))
    local data, msg, code = src:pread(0, 1)
    assert.is_nil(data)
    assert.is_string(msg)
    assert.equal("PMEMSET_E_LENGTH_OUT_OF_RANGE", code)
    local ok
    ok, msg, code = src:pwrite(0, "x")
    assert.is_nil(ok)
    assert.is_string(msg)
    assert.equal("PMEMSET_E_LENGTH_OUT_OF_RANGE", code)
    assert.has_error(function() src:pread(-1, 1) end)
    assert.has_error(function() src:pwrite(0, {}) end)
    src:close()
  end)

  it("keeps one SDS per source", function()
    local src = assert(pmemset.source.file(dir .. "/s", { create = "always" }))
    assert.is_nil(src:state())
    assert.is_true(src:set_sds(pmemset.sds()))
    local ok, msg, code = src:set_sds({ id = "x", usc = 1, refcount = 0 })
    assert.is_nil(ok)
    assert.is_string(msg)
    assert.equal("PMEMSET_E_SDS_ALREADY_SET", code)
    assert.has_error(function() src:set_sds("sds") end)
    src:close()
  end)

  it("switches bad-block detection with a boolean", function()
    local src = assert(pmemset.source.file(dir .. "/b", { create = "always" }))
    assert.is_true(src:set_badblock_detection(true))
    assert.is_true(src:set_badblock_detection(false))
    assert.has_error(function() src:set_badblock_detection(1) end)
    src:close()
  end)

  it("closes idempotently with close, <close> and __gc", function()
    local src = assert(pmemset.source.file(dir .. "/c", { create = "always" }))
    src:close()
    src:close()
    assert.matches("closed", tostring(src))
    assert.has_error(function() src:alignment() end)
    assert.has_error(function() src:pread(0, 1) end)
    do
      local s2 <close> = assert(pmemset.source.temporary(dir))
      assert.equal(4096, s2:alignment())
      s2:close() -- and again by <close>
    end
    for _ = 1, 100 do
      assert(pmemset.source.temporary(dir))
    end
    collectgarbage()
    collectgarbage()
  end)
end)

describe("pmemset.sds", function()
  it("makes and validates SDS records as tables", function()
    assert.same({ id = "", usc = 0, refcount = 0 }, pmemset.sds())
    local saved = { id = "dimm-1", usc = 7, refcount = 2 }
    assert.same(saved, pmemset.sds(saved))
    assert.same({ id = "", usc = 3, refcount = 0 }, pmemset.sds({ usc = 3 }))
    assert.has_error(function() pmemset.sds({ id = 1 }) end)
    assert.has_error(function() pmemset.sds({ usc = -1 }) end)
    assert.has_error(function() pmemset.sds({ refcount = 1.5 }) end)
    assert.has_error(function() pmemset.sds({ color = "red" }) end,
      "sds: unknown option 'color'")
    assert.has_error(function() pmemset.sds({ id = ("x"):rep(513) }) end)
    assert.same(("x"):rep(512), pmemset.sds({ id = ("x"):rep(512) }).id)
  end)
end)

describe("pmemset.badblock_clear", function()
  it("zeroes the range of a regular file", function()
    local dir = scratch()
    write_file(dir .. "/f", ("z"):rep(16384))
    local src = assert(pmemset.source.file(dir .. "/f"))
    assert.is_true(pmemset.badblock_clear({ offset = 4096, length = 4096 }, src))
    src:close()
    local disk = read_file(dir .. "/f")
    assert.equal(("z"):rep(4096), disk:sub(1, 4096))
    assert.equal(("\0"):rep(4096), disk:sub(4097, 8192))
    assert.equal(("z"):rep(8192), disk:sub(8193))
    rmtree(dir)
  end)

  it("checks its arguments", function()
    assert.has_error(function() pmemset.badblock_clear(1, nil) end)
    assert.has_error(function() pmemset.badblock_clear({ offset = 0 }, nil) end)
  end)
end)
