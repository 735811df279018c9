-- SPDX-License-Identifier: BSD-3-Clause

--- The JSON documents of pmemset-lua (docs/json.md).
-- A mapped layout (from a pmemset.report table) and the device inventory
-- (from pmemset.inventory(), nested as `ndctl list -BDRN` nests it).
--
--   local json = require "pmemset.json"
--   print(json.encode(json.layout(report)))
--   print(json.encode(json.inventory(pmemset.inventory())))
--   print(json.health { verdict =, reason =, report = })  -- --health
--
-- The encoder is dkjson (Debian lua-dkjson), loaded at first use: it
-- writes Lua integers exactly (addresses above 2^47 included), which
-- lua-cjson 2.1 does not (it prints 14 significant digits).
-- @module pmemset.json

local M = {}

local function dkjson() return require "dkjson" end

local array_mt = { __jsontype = "array" }
local object_mt = { __jsontype = "object" }

-- list as a JSON array even when empty
local function array(t) return setmetatable(t or {}, array_mt) end
-- t as a JSON object even when empty
local function object(t) return setmetatable(t or {}, object_mt) end

local function map(list, fn)
  local out = array()
  for i, v in ipairs(list or {}) do out[i] = fn(v, i) end
  return out
end

local function copy(t)
  if type(t) ~= "table" then return t end
  local c = {}
  for k, v in pairs(t) do c[k] = copy(v) end
  return object(c)
end

--- The document of a mapped layout: the report with its lists as arrays.
-- Empty lists stay arrays and empty tables objects when encoded.
-- @tparam table r a report (pmemset.report.build)
-- @tparam[opt] table extra fields added to the document (`{layout =
-- path}` for pmemset-lua)
-- @treturn table the document, for @{encode}
function M.layout(r, extra)
  local doc = object {
    ok = r.ok, error = r.error, code = r.code,
    granularity = r.granularity, coalescing = r.coalescing,
    reservation = r.reservation and object {
      addr = r.reservation.addr, size = r.reservation.size } or nil,
    part_maps = map(r.part_maps, function(m)
      return object { addr = m.addr, size = m.size, parts = array(m.parts) }
    end),
    parts = map(r.parts, function(p)
      return object {
        index = p.index, name = p.name, file = p.file,
        temporary = p.temporary ~= nil or nil, offset = p.offset,
        size = p.size, addr = p.addr, part_map = p.part_map,
        state = p.state,
      }
    end),
    sources = map(r.sources, copy),
    gaps = map(r.gaps, copy),
    badblocks = map(r.badblocks, copy),
    events = map(r.events, copy),
    decisions = map(r.decisions, copy),
    keys = r.keys and copy(r.keys) or nil,
  }
  for k, v in pairs(extra or {}) do doc[k] = v end
  return doc
end

local function health(d)
  return object { health_state = d.health, shutdown_count = d.usc }
end

local function dimm_doc(d)
  return object {
    dev = d.name, id = d.id ~= "" and d.id or nil, health = health(d),
    emulated = d.emulated or nil, path = d.path,
  }
end

--- The inventory as `ndctl list -BDRN` nests it.
-- Buses hold their DIMMs and regions, regions their namespaces; DIMMs of no
-- bus (the emulated ones) and regions of no bus come in the top-level
-- lists.
-- @tparam table inv what pmemset.inventory() returned
-- @treturn table the document `{buses, dimms, regions}`, for @{encode}
function M.inventory(inv)
  local buses = map(inv.buses, function(b)
    return object { provider = b.provider, dev = b.name,
                    dimms = array(), regions = array() }
  end)
  local doc = object { buses = buses, dimms = array(), regions = array() }
  for _, d in ipairs(inv.dimms) do
    local into = d.bus and buses[d.bus] and buses[d.bus].dimms or doc.dimms
    into[#into + 1] = dimm_doc(d)
  end
  local regions = {}
  for i, r in ipairs(inv.regions) do
    regions[i] = object { dev = r.name, size = r.size,
                          available_size = r.available, type = r.type,
                          namespaces = array() }
    local into = r.bus and buses[r.bus] and buses[r.bus].regions
      or doc.regions
    into[#into + 1] = regions[i]
  end
  for _, ns in ipairs(inv.namespaces) do
    local r = ns.region and regions[ns.region]
    if r then
      r.namespaces[#r.namespaces + 1] = object {
        dev = ns.name, mode = ns.mode, size = ns.size,
        blockdev = ns.device ~= "" and ns.device or nil,
      }
    end
  end
  return doc
end

--- The document of a health evaluation as JSON text.
-- What `pmemset-lua --health` prints with `--format json` (docs/cluster.md):
-- the verdict, its reason and the report the health policy was given, with
-- the report's lists (sources, bad-block ranges) written as arrays.
-- @tparam table doc `{ verdict =, reason =, report = }`, as pmemset.health gives
-- @treturn string the JSON text
-- @usage print(json.health { verdict = "green", reason = "no bad blocks" })
function M.health(doc)
  local out = copy(doc)
  local sources = array()
  for i, src in ipairs(doc.report and doc.report.sources or {}) do
    local s = copy(src)
    if src.badblocks then
      s.badblocks.ranges = map(src.badblocks.ranges, copy)
    end
    sources[i] = s
  end
  out.report = object { sources = sources }
  return M.encode(out)
end

-- these keys come first, in this order (dkjson writes the others after)
local keyorder = {
  "verdict", "reason", "report", "sources",
  "ok", "error", "code", "layout", "provider", "dev", "id", "index", "name",
  "type", "kind", "file", "source", "path", "state", "accepted", "why",
  "granularity", "coalescing", "reservation", "addr", "offset", "size",
  "len", "length", "part_map", "health_state", "shutdown_count",
}

--- A document as indented JSON text, without a trailing newline.
-- Integers are written exactly; known keys come first in a fixed order.
-- @tparam table doc a document of @{layout} or @{inventory}
-- @treturn string the JSON text
-- @raise when lua-dkjson is not installed
-- @usage print(json.encode(json.inventory(pmemset.inventory())))
function M.encode(doc)
  return dkjson().encode(doc, { indent = true, keyorder = keyorder })
end

return M
