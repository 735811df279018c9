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
--       sources = { { index, path, state }, ... },  -- of the parts, in
--                                          -- order (when mapped)
--       gaps = { { addr, size }, ... },    -- unmapped space of the
--                                          -- reservation, in order
--       badblocks = { { file, offset, length, cleared }, ... },
--       events, decisions, keys }
-- Addresses, sizes and offsets are integers; a part map's parts are the
-- indexes of r.parts it holds.

local core = require "pmemset.core"
local layouts = require "pmemset.layout"

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

-- what a handler's results mean: accepted, or refused with why
local function verdict(ok, r1, r2)
  if not ok then return false, tostring(r1), true end
  if r1 == false then return false, r2 and tostring(r2) or "refused" end
  if math.type(r1) == "integer" and r1 ~= 0 then
    return false, "returned " .. r1
  end
  return true
end

-- handler fn (nil: none) recording its events and decisions in run
local function recorded_handler(run, fn, hook)
  return function(set, ev)
    local copy = M.copy_event(ev)
    if hook and hook(copy) then return end
    run.events[#run.events + 1] = copy
    if not fn then return end
    local results = table.pack(pcall(fn, set, ev))
    local accepted, why, raised = verdict(results[1], results[2], results[3])
    run.decisions[#run.decisions + 1] = {
      kind = copy.type, event = copy, path = copy.source,
      accepted = accepted, why = why, error = raised or nil,
    }
    if raised then error(results[2], 0) end
    return table.unpack(results, 2, results.n)
  end
end

local default_states = { "ok", "ok_but_already_open" }

-- the acceptable-state policy (a list or a function) recording in run
local function recorded_states(run, policy)
  policy = policy or default_states
  local accept = policy
  if type(policy) == "table" then
    accept = function(state)
      for _, s in ipairs(policy) do
        if s == state then return true end
      end
      return false, "state " .. state .. " is not in the list"
    end
  end
  return function(state, info)
    local ok, r1, r2 = pcall(accept, state, info)
    local accepted, why, raised = verdict(ok, r1, r2)
    if r1 == nil and ok then accepted, why = false, "returned nil" end
    run.states[info.path] = state
    run.decisions[#run.decisions + 1] = {
      kind = "state", state = state, path = info.path,
      accepted = accepted, why = why, error = raised or nil,
    }
    if raised then error(r1, 0) end
    return accepted, why
  end
end

-- recording(t, policy [, hook]) -> l, run: a copy of layout t (its parts
-- copied too) whose handlers and state policy are policy's (or t's own
-- when policy has none), wrapped to record every event (subscribing to
-- all kinds), every decision and every state into run = { layout = l,
-- events, decisions, states = { path -> state } }. hook(copy), if given,
-- sees each event first; when it returns true the event is neither
-- recorded nor handled.
function M.recording(t, policy, hook)
  local run = { events = {}, decisions = {}, states = {} }
  local l = {}
  for k, v in pairs(t) do l[k] = v end
  l.policy = nil
  local on_event = policy.on_event
  if policy.on == nil and on_event == nil then on_event = t.on_event end
  local handlers = policy.on or (policy.on_event == nil and t.on) or {}
  local on = {}
  for _, kind in ipairs(core.events) do
    on[kind] = recorded_handler(run, handlers[kind] or on_event, hook)
  end
  l.on, l.on_event = on, nil
  l.acceptable_states = recorded_states(run, policy.acceptable_states
                                        or t.acceptable_states)
  if type(t.parts) == "table" then -- copied as it is: the check sees it
    l.parts = {}
    for i, p in pairs(t.parts) do
      local c = p
      if type(p) == "table" then
        c = {}
        for k, v in pairs(p) do c[k] = v end
      end
      l.parts[i] = c
    end
  end
  run.layout = l
  return l, run
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

-- the layout's parts: where a set was built, as the layout code reports
-- them (pmemset.layout.report); else as the layout describes them
local function parts_of(t, set, sources, maps)
  local built = set and layouts.report(set).parts or {}
  local parts = {}
  for i, p in ipairs(t.parts or {}) do
    local b = built[i] or {}
    local src = sources and sources[i]
    local part = {
      index = i, name = p.name, temporary = p.temporary,
      file = p.file or (src and src:path()),
      offset = b.offset or (p.offset and core.size(p.offset)) or 0,
      size = b.size, addr = b.addr, state = b.state,
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
  local parts = parts_of(t, set, set and run.sources, maps)
  fill_states(parts, run.decisions or {})
  local sources = {}
  for i, src in ipairs(set and run.sources or {}) do
    sources[i] = { index = i, path = src:path(), state = src:state() }
  end
  return {
    sources = sources,
    ok = run.error == nil, error = run.error, code = run.code,
    granularity = set and set:granularity() or t.granularity,
    coalescing = set and set:coalescing() or t.coalescing,
    reservation = rsv, part_maps = maps, parts = parts,
    gaps = gaps_of(rsv, maps), badblocks = badblocks_of(events),
    events = events, decisions = run.decisions or {}, keys = run.keys,
  }
end

return M
