-- SPDX-License-Identifier: BSD-3-Clause
-- pmemset.testing -- a test kit for bad-block and shutdown-state policies.
--
-- A lab is a scratch directory with its own emulated-device description
-- (pmemset.emu): incidents are staged on emulated devices, a layout is
-- mapped under the policy being tested, and the decisions the policy made,
-- the events it saw and the resulting part states come back as plain
-- tables to assert on (with busted or anything else).
--
--   local testing = require "pmemset.testing"
--   local lab = testing.lab()                     -- or testing.lab(dir)
--   local dev = lab:device("dimm-0", { usc = 4 })  -- a directory on it
--   local pool = lab:file("dimm-0", "pool.a", "64K")
--   lab:badblock(pool, 8192, 4096)
--   local run = lab:map({ parts = { { file = pool } } },
--                       { policy = "badblock_policy.lua" })
--   -- run.ok, run.err, run.code, run.decisions, run.events, run.states
--   lab:close()                                   -- unmaps, removes all
--
-- Incidents: lab:unsafe_shutdown(id) (usc + 1), lab:replace_device(id,
-- new_id) (same path, another DIMM), lab:badblock(file, offset, length),
-- and a crash while parts are open: run:crash() drops the set without the
-- shutdown records of its closing, as if the process had died, so the
-- next map sees the parts as interrupted (or corrupted after an unsafe
-- shutdown, indeterminate after a replaced device).
--
-- Shutdown records: the lab keeps the last SDS update of every file (what
-- an application persists) and gives it to the next map of that file;
-- file parts on a lab device without an sds field get that record, or a
-- fresh one the first time. lab.records[path] is the record, and may be
-- set by a test.
--
-- Keys: policies and layouts run with a global `host`. Inside pmemset-lua
-- or an embedding program that is the real host; elsewhere the lab gives
-- its own store of application keys with the same functions (get, set,
-- delete, keys, track, untrack), as lab.host. The keys the real host
-- derives from events (parts.*, sds.*, badblocks.*) are not kept there:
-- read run.events and run.states instead.
--
-- A lab touches no file outside its directory (unless a layout names
-- one), and lab:close() selects again the description in use before it.

local core = require "pmemset.core"
local layouts = require "pmemset.layout"
local report = require "pmemset.report"

-- lua-filesystem, loaded at first use: the module loads this file with
-- the others, also in hosts (a sandbox) that have no lfs
local function lfs() return require "lfs" end

local M = {}

local Lab = {}
Lab.__index = Lab

local Run = {}
Run.__index = Run

-- keys -------------------------------------------------------------------

-- a store of application keys with the functions of the host's `host`
local function key_store()
  local values, trackers, next_handle = {}, {}, 1
  local store = {}

  local function notify(change, key, new, old)
    for _, t in ipairs(trackers) do
      local hit = t.prefix and key:sub(1, #t.key) == t.key or key == t.key
      if hit and t.changes[change] then t.fn(change, key, new, old) end
    end
  end

  function store.get(key) return values[key] end

  function store.set(key, value)
    assert(type(key) == "string", "host.set: key must be a string")
    assert(math.type(value) == "integer" or type(value) == "string",
           "host.set: value must be an integer or a string")
    local old = values[key]
    if old == value then return end
    values[key] = value
    notify(old == nil and "add" or "modify", key, value, old)
  end

  function store.delete(key)
    local old = values[key]
    if old == nil then return end
    values[key] = nil
    notify("delete", key, nil, old)
  end

  -- keys starting with prefix, in key order
  function store.keys(prefix)
    prefix = prefix or ""
    local list = {}
    for k in pairs(values) do
      if k:sub(1, #prefix) == prefix then list[#list + 1] = k end
    end
    table.sort(list)
    local i = 0
    return function()
      i = i + 1
      if list[i] then return list[i], values[list[i]] end
    end
  end

  function store.track(key, changes, fn)
    local t = { key = key, fn = fn, changes = {}, handle = next_handle }
    for _, c in ipairs(changes) do
      if c == "prefix" then t.prefix = true else t.changes[c] = true end
    end
    next_handle = next_handle + 1
    trackers[#trackers + 1] = t
    return t.handle
  end

  function store.untrack(handle)
    for i, t in ipairs(trackers) do
      if t.handle == handle then table.remove(trackers, i) return end
    end
  end

  function store.errormsg() return "" end

  return store
end

-- scratch directory --------------------------------------------------------

local function fail(what, err)
  error(what .. ": " .. tostring(err), 3)
end

local function new_dir()
  local base = os.getenv("TMPDIR") or "/tmp"
  for _ = 1, 100 do
    local dir = ("%s/pmemset-lab-%d-%06d"):format(base, os.time(),
                                                  math.random(0, 999999))
    if lfs().mkdir(dir) then return dir end
  end
  error("pmemset.testing: cannot make a scratch directory in " .. base, 3)
end

local function rmtree(path)
  if lfs().symlinkattributes(path, "mode") == "directory" then
    for f in lfs().dir(path) do
      if f ~= "." and f ~= ".." then rmtree(path .. "/" .. f) end
    end
    lfs().rmdir(path)
  else
    os.remove(path)
  end
end

-- lab ----------------------------------------------------------------------

-- lab([dir]) -- a new lab in dir (absolute; made if missing) or in a
-- fresh directory under $TMPDIR; lab:close() removes it with everything
-- in it. Its description (dir/devices.emu) is selected for the sources
-- created from now on.
function M.lab(dir)
  if dir == nil then
    dir = new_dir()
  else
    assert(type(dir) == "string" and dir:sub(1, 1) == "/",
           "pmemset.testing.lab: dir must be an absolute path")
    if lfs().attributes(dir, "mode") == nil then
      local ok, err = lfs().mkdir(dir)
      if not ok then fail("pmemset.testing.lab: " .. dir, err) end
    end
  end
  local lab = setmetatable({
    dir = dir, devices = {}, records = {}, runs = {},
    previous = core.emu.selected(),
    host = rawget(_G, "host") or key_store(),
  }, Lab)
  local ok, err = core.emu.select(dir .. "/devices.emu")
  if not ok then fail("pmemset.testing.lab", err) end
  return lab
end

-- lab:device(id [, {usc = n}]) -- a new emulated device holding the
-- directory dir/<id>; returns that directory
function Lab:device(id, opts)
  assert(type(id) == "string" and id:match("^[%w_.-]+$"),
         "lab:device: id must be a word of letters, digits, _ . -")
  local path = self.dir .. "/" .. id
  if not lfs().mkdir(path) then fail("lab:device", path .. " exists") end
  local ok, err = core.emu.device_add(id, (opts or {}).usc or 0, path)
  if not ok then
    lfs().rmdir(path)
    fail("lab:device", err)
  end
  self.devices[id] = path
  return path
end

-- lab:file(id, name [, size]) -- the path of file name on device id,
-- created with size zero bytes (default: not created)
function Lab:file(id, name, size)
  local dev = self.devices[id]
  assert(dev, "lab:file: no device " .. tostring(id))
  local path = dev .. "/" .. name
  if size ~= nil then
    local n = core.size(size)
    assert(n, "lab:file: size must be a size")
    local f = assert(io.open(path, "wb"))
    if n > 0 then
      f:seek("set", n - 1)
      f:write("\0")
    end
    f:close()
  end
  return path
end

function Lab:badblock(file, offset, length)
  assert(type(file) == "string" and self:on_device(file),
         "lab:badblock: the file must be on one of the lab's devices")
  local ok, err = core.emu.badblock_add(file, offset, length)
  if not ok then fail("lab:badblock", err) end
end

-- lab:unsafe_shutdown(id) -> the device's new unsafe-shutdown count
function Lab:unsafe_shutdown(id)
  assert(self.devices[id], "lab:unsafe_shutdown: no device " .. tostring(id))
  local usc, err = core.emu.unsafe_shutdown(id)
  if not usc then fail("lab:unsafe_shutdown", err) end
  return usc
end

-- lab:replace_device(id, new_id [, {usc = n}]) -- the DIMM holding the
-- files of device id is swapped for another one (its files stay)
function Lab:replace_device(id, new_id, opts)
  local path = self.devices[id]
  assert(path, "lab:replace_device: no device " .. tostring(id))
  local ok, err = core.emu.device_remove(id)
  if not ok then fail("lab:replace_device", err) end
  ok, err = core.emu.device_add(new_id, (opts or {}).usc or 0, path)
  if not ok then fail("lab:replace_device", err) end
  self.devices[id], self.devices[new_id] = nil, path
end

-- whether path lies in the directory of one of the lab's devices
function Lab:on_device(path)
  for _, dir in pairs(self.devices) do
    if path:sub(1, #dir + 1) == dir .. "/" then return true end
  end
  return false
end

-- lab:close() -- unmap what is still mapped, select the description in use
-- before the lab, remove the lab's directory
function Lab:close()
  for _, run in ipairs(self.runs) do run:close() end
  self.runs = {}
  core.emu.select(self.previous)
  rmtree(self.dir)
end

Lab.__close = Lab.close

-- policies -----------------------------------------------------------------

-- the policy table from a path (run with the lab's host) or a table
function Lab:policy(policy)
  if type(policy) == "table" or policy == nil then return policy or {} end
  local env = setmetatable({ host = self.host }, { __index = _G })
  local chunk, err = loadfile(policy, "t", env)
  if not chunk then error(err, 3) end
  local t = chunk()
  if type(t) ~= "table" then
    error(policy .. ": a policy returns a table, got " .. type(t), 3)
  end
  return t
end

-- the recording copy of layout t under policy, with the lab's shutdown
-- records filled in for file parts on its devices
function Lab:prepare(t, policy)
  local run
  local l
  l, run = report.recording(t, policy, function(copy)
    if run.crashed then return true end -- a dead process runs no policy
    if copy.type == "sds_update" and copy.source then
      self.records[copy.source] = copy.sds
    end
  end)
  for _, p in ipairs(l.parts or {}) do
    if type(p) == "table" and type(p.file) == "string" and p.sds == nil
        and self:on_device(p.file) then
      p.sds = self.records[p.file] or {}
    end
  end
  run.lab = self
  return l, setmetatable(run, Run)
end

-- lab:map(layout [, {policy = path | table}]) -> run
-- layout is a table or a layout script (run with the lab's host); the
-- policy's fields replace the layout's own. run.ok is true when mapped:
-- run.set, run.parts and run.sources are the module's objects; otherwise
-- run.err and run.code say why (nothing stays mapped). In both cases
-- run.events (copies, in order), run.decisions ({kind, path, accepted,
-- why, error, event | state}) and run.states (path -> state name) tell
-- what happened.
function Lab:map(layout, opts)
  opts = opts or {}
  local policy = opts.policy
  if type(layout) == "string" then
    local dir = layout:match("^(.*)/[^/]*$") or "."
    layout = self:policy(layout)
    if policy == nil and type(layout.policy) == "string" then
      policy = layout.policy:sub(1, 1) == "/" and layout.policy
        or dir .. "/" .. layout.policy
    end
  end
  policy = policy or layout.policy
  if policy == nil then
    policy = { on = layout.on, on_event = layout.on_event,
               acceptable_states = layout.acceptable_states }
  end
  policy = self:policy(policy)
  local t, run = self:prepare(layout, policy)
  local set, parts, sources = layouts.build(t)
  run.ok = set ~= nil
  if set then
    run.set, run.parts, run.sources = set, parts, sources
    self.runs[#self.runs + 1] = run
  else
    run.err, run.code = parts, sources
  end
  return run
end

-- run:decision(kind [, path]) -- the first decision of kind (about path)
function Run:decision(kind, path)
  for _, d in ipairs(self.decisions) do
    if d.kind == kind and (path == nil or d.path == path) then return d end
  end
end

-- run:count(type) -- how many events of type were seen
function Run:count(type)
  local n = 0
  for _, ev in ipairs(self.events) do
    if ev.type == type then n = n + 1 end
  end
  return n
end

-- run:report() -- the report table of the run (pmemset.report.build)
function Run:report()
  return report.build {
    layout = self.layout, set = self.set, sources = self.sources,
    events = self.events, decisions = self.decisions,
    error = self.err, code = self.code,
  }
end

-- run:close() -- unmap cleanly (the closing SDS updates are recorded)
function Run:close()
  if self.set then
    self.set:close()
    for _, src in ipairs(self.sources) do src:close() end
    self.set = nil
  end
end

-- run:crash() -- the process dies with the parts open: the set goes away
-- but the shutdown records stay as they were while mapped
function Run:crash()
  self.crashed = true
  self:close()
end

return M
