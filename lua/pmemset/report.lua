-- SPDX-License-Identifier: BSD-3-Clause
-- pmemset.report -- what a mapped layout looks like, as one plain table:
-- the source of `pmemset-lua --format json` (docs/json.md), of the SVG
-- picture (pmemset.svg) and of the test kit's runs (pmemset.testing).
--
--   local r = report.build {
--     layout = t,                -- the layout table mapped
--     set = set, sources = sources,   -- what pmemset.layout returned
--     events = { ... },          -- report.copy_event copies, in order
--     decisions = { ... },       -- optional: the policy's decisions
--     keys = { ... },            -- optional: tracking keys, name -> value
--     error = msg, code = code,  -- optional: why the map failed
--   }
--
-- r = { ok, error, code, granularity, coalescing,
--       reservation = { addr, size } | nil,
--       part_maps = { { addr, size, parts = { i, ... } }, ... },
--       parts = { { index, name, file | temporary, offset, size, addr,
--                   part_map, state, sds }, ... },
--       gaps = { { addr, size }, ... },    -- unmapped space of the
--                                          -- reservation, in order
--       badblocks = { { file, offset, length, cleared }, ... },
--       events, decisions, keys }
-- Addresses, sizes and offsets are integers; a part map's parts are the
-- indexes of r.parts it holds.

local core = require "pmemset.core"

local M = {}

local event_fields = {
  "addr", "len", "src", "dest", "value", "flags", "offset", "length",
}

-- copy_event(ev) -- a plain copy of event ev (an event object is valid only
-- during its handler); the source becomes its path
function M.copy_event(ev)
  local c = { type = ev.type }
  for _, k in ipairs(event_fields) do c[k] = ev[k] end
  local src = ev.source
  if type(src) == "userdata" then src = src:path() end
  c.source = src
  if ev.sds then
    c.sds = { id = ev.sds.id, usc = ev.sds.usc, refcount = ev.sds.refcount }
  end
  return c
end

-- the part maps of set in address order
local function part_maps(set)
  local maps = {}
  if not set then return maps end
  for pm in set:parts() do
    maps[#maps + 1] = { addr = pm.addr, size = pm.size, parts = {} }
  end
  table.sort(maps, function(a, b) return a.addr < b.addr end)
  return maps
end

local function map_holding(maps, addr)
  for i, m in ipairs(maps) do
    if addr >= m.addr and addr < m.addr + m.size then return i end
  end
end

-- the layout's parts, with the address each part_add event reported
local function parts_of(t, sources, events, maps)
  local added = {}
  for _, ev in ipairs(events) do
    if ev.type == "part_add" then added[#added + 1] = ev end
  end
  local parts = {}
  for i, p in ipairs(t.parts or {}) do
    local src = sources and sources[i]
    local ev = added[i]
    local part = {
      index = i, name = p.name, temporary = p.temporary,
      file = p.file or (src and src:path()),
      offset = p.offset and core.size(p.offset) or 0,
      size = ev and ev.len, addr = ev and ev.addr,
      state = src and src:state() or nil,
    }
    if part.addr then
      part.part_map = map_holding(maps, part.addr)
      local m = maps[part.part_map]
      if m then m.parts[#m.parts + 1] = i end
    end
    parts[i] = part
  end
  return parts
end

-- the stretches of the reservation no part map covers
local function gaps_of(rsv, maps)
  local gaps = {}
  if not rsv then return gaps end
  local at = rsv.addr
  for _, m in ipairs(maps) do
    if m.addr > at then gaps[#gaps + 1] = { addr = at, size = m.addr - at } end
    at = math.max(at, m.addr + m.size)
  end
  local stop = rsv.addr + rsv.size
  if stop > at then gaps[#gaps + 1] = { addr = at, size = stop - at } end
  return gaps
end

-- the bad blocks the events reported; cleared when a badblocks_cleared of
-- the same file followed, or the decision about it accepted it
local function badblocks_of(events)
  local list, open = {}, {}
  for _, ev in ipairs(events) do
    if ev.type == "badblock" then
      local bb = { file = ev.source, offset = ev.offset, length = ev.length,
                   cleared = false }
      list[#list + 1] = bb
      open[ev.source] = open[ev.source] or {}
      table.insert(open[ev.source], bb)
    elseif ev.type == "badblocks_cleared" and ev.source then
      for _, bb in ipairs(open[ev.source] or {}) do bb.cleared = true end
      open[ev.source] = nil
    end
  end
  return list
end

-- states the state policy saw, for parts whose source is gone
local function fill_states(parts, decisions)
  for _, d in ipairs(decisions) do
    if d.kind == "state" then
      for _, p in ipairs(parts) do
        if p.file == d.path and not p.state then p.state = d.state end
      end
    end
  end
end

-- build(run) -- the report of a mapped (or failed) layout; see above
function M.build(run)
  local t = run.layout or {}
  local events = run.events or {}
  local set = run.set
  local rsv
  if set then
    local addr, size = set:reservation()
    if addr then rsv = { addr = addr, size = size } end
  end
  local maps = part_maps(set)
  local parts = parts_of(t, set and run.sources, events, maps)
  fill_states(parts, run.decisions or {})
  return {
    ok = run.error == nil, error = run.error, code = run.code,
    granularity = set and set:granularity() or t.granularity,
    coalescing = set and set:coalescing() or t.coalescing,
    reservation = rsv, part_maps = maps, parts = parts,
    gaps = gaps_of(rsv, maps), badblocks = badblocks_of(events),
    events = events, decisions = run.decisions or {}, keys = run.keys,
  }
end

return M
