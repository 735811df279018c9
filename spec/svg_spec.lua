-- SPDX-License-Identifier: BSD-3-Clause
-- pmemset.svg: pictures of mapped layouts, rendered by rsvg-convert
-- (librsvg2-bin) to PNG; the picture's size and the labels are checked.
local svg = require "pmemset.svg"
local testing = require "pmemset.testing"
local support = require "spec_support"

-- width and height of a PNG file (its IHDR chunk)
local function png_size(path)
  local data = support.read_file(path)
  assert.equal("\137PNG\r\n\26\n", data:sub(1, 8))
  assert.equal("IHDR", data:sub(13, 16))
  return string.unpack(">I4>I4", data, 17)
end

-- the width and height the SVG document declares
local function svg_size(doc)
  local w, h = doc:match('<svg[^>]- width="(%d+)" height="(%d+)"')
  return tonumber(w), tonumber(h)
end

-- renders doc to PNG with rsvg-convert; returns the PNG's size
local function rasterize(dir, doc)
  local path = dir .. "/picture.svg"
  support.write_file(path, doc)
  local png = dir .. "/picture.png"
  local cmd = ("rsvg-convert %s -o %s 2>&1"):format(support.quote(path),
                                                    support.quote(png))
  local p = io.popen(cmd)
  local out = p:read("a")
  assert.is_true(p:close(), out)
  return png_size(png)
end

describe("pmemset.svg", function()
  local lab, dir
  before_each(function()
    lab = testing.lab(support.scratch())
    lab:device("dimm-0", { usc = 2 })
    dir = support.scratch()
  end)
  after_each(function()
    lab:close()
    support.rmtree(dir)
  end)

  it("draws parts, part maps, a gap, states and bad blocks", function()
    local data = lab:file("dimm-0", "data.pool", "2M")
    local log = lab:file("dimm-0", "log & <journal>.pool", "64K")
    lab:badblock(data, 8192, 4096)
    lab:map({ granularity = "page", parts = { { file = log } } }):crash()
    local run = lab:map({
      granularity = "page", coalescing = "full", reservation = "8M",
      parts = {
        { file = data, length = "1M", name = "data",
          badblock_detection = true },
        { file = log },
        { temporary = lab.dir, length = "256K" },
      },
    }, { policy = {
      acceptable_states = { "ok", "ok_but_interrupted" },
      on = { badblock = function(set, ev) return set:clear_badblock(ev) end },
    } })
    assert.is_true(run.ok, run.err)
    local r = run:report()
    local doc = svg.render(r)
    local w, h = rasterize(dir, doc)
    assert.same({ svg_size(doc) }, { w, h })
    assert.equal(1040, w)
    assert.truthy(h > 200 and h < 400)
    assert.truthy(doc:find("3 parts in 1 part map, reservation of 8 MiB", 1,
                           true))
    assert.truthy(doc:find("/dimm-0/data.pool<", 1, true)) -- ends kept
    assert.truthy(doc:find("log &amp; &lt;journal&gt;.pool", 1, true))
    assert.truthy(doc:find(">1 MiB<", 1, true))
    assert.truthy(doc:find((">0x%x<"):format(r.parts[2].addr), 1, true))
    assert.truthy(doc:find(">ok_but_interrupted<", 1, true))
    assert.truthy(doc:find(">1 (1 cleared)<", 1, true))
    for _, label in ipairs { "gap in the reservation", "part map",
        "bad block cleared", "interrupted", "corrupted" } do
      assert.truthy(doc:find(">" .. label .. "<", 1, true), label)
    end
    -- the gap after the part map is hatched
    assert.truthy(doc:find('fill="url(#gap)"', 1, true))
  end)

  it("keeps a thousand parts readable", function()
    local parts = {}
    for i = 1, 1000 do parts[i] = { temporary = lab.dir, length = "4K" } end
    local run = lab:map({ granularity = "page", coalescing = "none",
                          reservation = "64M", parts = parts })
    assert.is_true(run.ok, run.err)
    local doc = svg.render(run:report())
    local w, h = rasterize(dir, doc)
    assert.equal(1040, w)
    -- 25 + 1 + 10 rows, not 1000
    assert.truthy(h < 1100, h)
    assert.truthy(doc:find("1000 parts in 1000 part maps", 1, true))
    assert.truthy(doc:find("... 965 parts not listed (3.8 MiB) ...", 1, true))
    assert.truthy(doc:find(">1000 parts<", 1, true))
    local rows = select(2, doc:gsub('<rect x="20.00" y="[%d.]+" width="12.00"', ""))
    assert.equal(35 + 2, rows) -- rows and the legend's two at the left
  end)

  it("says when nothing is mapped and when the map failed", function()
    local pool = lab:file("dimm-0", "pool", "64K")
    lab:badblock(pool, 0, 4096)
    local run = lab:map({ granularity = "page",
                          parts = { { file = pool, badblock_detection = true } } },
                        { policy = { on = { badblock = function()
                          return false, "keep it" end } } })
    assert.is_false(run.ok)
    local doc = svg.render(run:report())
    rasterize(dir, doc)
    assert.truthy(doc:find("nothing mapped", 1, true))
    assert.truthy(doc:find("failed: parts[1]", 1, true))
  end)

  it("refuses what is not a report", function()
    assert.has_error(function() svg.render({}) end,
      "svg.render: expected a report table (pmemset.report.build)")
  end)
end)
