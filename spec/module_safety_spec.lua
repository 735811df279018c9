-- SPDX-License-Identifier: BSD-3-Clause
-- Lua code cannot crash the process or write into the wrong place through
-- the module: stale part objects, parts being removed, set methods from
-- removal handlers, create = "always" over a mapped file.
local pmemset = require "pmemset"
local support = require "spec_support"
local scratch, rmtree = support.scratch, support.rmtree
local read_file, write_file = support.read_file, support.write_file
local K64 = support.K64

describe("module safety", function()
  local dir, a, b

  before_each(function()
    dir = scratch()
    a, b = dir .. "/a.pool", dir .. "/b.pool"
    write_file(a, string.rep("a", K64))
    write_file(b, string.rep("b", K64))
  end)

  after_each(function() rmtree(dir) end)

  it("ties a part object to its part, not to its address", function()
    local set = assert(pmemset.new { granularity = "page",
      reservation = "1M" })
    local sa = assert(pmemset.source.file(a))
    local sb = assert(pmemset.source.file(b))
    local pa = assert(set:map(sa))
    local addr = pa.addr
    assert(set:remove(pa))
    local pb = assert(set:map(sb))
    assert.equal(addr, pb.addr) -- the reservation gives the same address
    assert.is_false(pa:is_mapped())
    assert.is_true(pb:is_mapped())
    assert.are_not.equal(pa, pb)
    assert.has_error(function() pa:write(0, "stale") end,
      string.format("part:write: part at 0x%x: the part is no longer "
        .. "mapped (another part took its address)", addr))
    local ok, msg = set:remove(pa)
    assert.is_nil(ok)
    assert.matches("no longer mapped", msg)
    set:close()
    sa:close()
    sb:close()
    assert.equal(string.rep("b", K64), read_file(b)) -- b untouched
  end)

  it("refuses writes to parts from removal handlers", function()
    local errs = {}
    local parts = {}
    local set = assert(pmemset.new { granularity = "page",
      reservation = "1M", on = {
        part_remove = function()
          for _, p in ipairs(parts) do
            local ok, err = pcall(p.write, p, 0, "boom")
            errs[#errs + 1] = not ok and err
            ok, err = pcall(p.fill, p, 0, 0, 16)
            errs[#errs + 1] = not ok and err
          end
        end,
      } })
    local sa = assert(pmemset.source.file(a))
    local sb = assert(pmemset.source.file(b))
    parts[1] = assert(set:map(sa))
    parts[2] = assert(set:map(sb))
    -- both parts go; the second handler call sees the first unmapped
    assert(set:remove_range(parts[1].addr, 2 * K64))
    assert.equal(8, #errs)
    for _, e in ipairs(errs) do
      assert.matches("refused in a part_remove or remove_range handler", e)
    end
    assert.equal(0, set:count())
    set:close()
    sa:close()
    sb:close()
    assert.equal(string.rep("a", K64), read_file(a))
  end)

  it("raises for locking set methods in removal handlers", function()
    local errs = {}
    local set
    set = assert(pmemset.new { granularity = "page", on = {
      part_remove = function()
        for _, m in ipairs { "count", "granularity", "parts" } do
          local ok, err = pcall(set[m], set)
          errs[#errs + 1] = not ok and err
        end
        local ok, err = pcall(set.coalescing, set, "full")
        errs[#errs + 1] = not ok and err
      end,
    } })
    local sa = assert(pmemset.source.file(a))
    local part = assert(set:map(sa))
    assert(set:remove(part))
    assert.equal(4, #errs)
    for _, e in ipairs(errs) do
      assert.matches("not allowed in a", e)
    end
    -- the set's lock is intact: the next map does not deadlock
    assert(set:map(sa))
    assert.equal(1, set:count())
    assert.equal("page", set:granularity())
    set:close()
    sa:close()
  end)

  it("refuses create = 'always' over a file a live set maps", function()
    local set = assert(pmemset.new { granularity = "page" })
    local sa = assert(pmemset.source.file(a))
    local part = assert(set:map(sa))
    local src, msg, code = pmemset.source.file(a, { create = "always" })
    assert.is_nil(src)
    assert.matches("is mapped in this process", msg)
    assert.equal("EBUSY", code)
    assert(part:write(0, "still here")) -- no SIGBUS: not truncated
    assert.equal(K64, #read_file(a))
    set:close()
    sa:close()
    -- unmapped: allowed again
    src = assert(pmemset.source.file(a, { create = "always" }))
    src:close()
  end)
end)
