-- SPDX-License-Identifier: BSD-3-Clause
-- pmemset.layout -- build a set and its parts from a layout table:
--
--   local set, parts, sources = pmemset.layout {
--     granularity = "page", coalescing = "full", reservation = "1G",
--     acceptable_states = { "ok", "ok_but_already_open" },
--     parts = {
--       { file = "a.pool", create = "if_needed", length = "64M",
--         badblock_detection = true, name = "a" },
--       { temporary = "/dev/shm", length = "128M" },
--     },
--     on = { badblock = function(set, ev) set:clear_badblock(ev) end },
--   }
--
-- A malformed table raises an error naming the path of the bad field
-- ('parts[2].length: expected a size, got "abc"'); nothing is touched before
-- the whole table is valid. A failure while mapping returns nil, message,
-- code, and undoes everything: the set is closed (nothing stays mapped) and
-- files the layout created are removed. Growth of existing files is kept
-- (the core never shrinks a source).
--
-- parts[i] is the part object of the i-th part (the part map holding it,
-- which coalescing may share between several entries), also reachable as
-- parts[name] for entries with a name; sources[i] is its source.

local core = require "pmemset.core"

local M = {}

local set_keys = {
  granularity = true, coalescing = true, reservation = true,
  acceptable_states = true, parts = true, on = true, on_event = true,
}
local part_keys = {
  file = true, temporary = true, create = true, grow = true, mode = true,
  offset = true, length = true, sds = true, badblock_detection = true,
  name = true,
}

local function describe(v)
  if type(v) == "string" then
    return string.format("%q", v)
  end
  return type(v) == "table" and "a table" or tostring(v)
end

local function bad(path, fmt, ...)
  error(path .. ": " .. string.format(fmt, ...), 0)
end

local function check_keys(t, keys, path)
  for k in pairs(t) do
    if not keys[k] then
      bad(path, "unknown field %s", describe(k))
    end
  end
end

local function check_one_of(v, path, list)
  for _, name in ipairs(list) do
    if v == name then return end
  end
  bad(path, "expected one of %s, got %s",
      table.concat(list, ", "), describe(v))
end

local function check_size(v, path)
  local n = core.size(v)
  if not n then
    bad(path, "expected a size, got %s", describe(v))
  end
  return n
end

local function check_type(v, path, want)
  if type(v) ~= want then
    bad(path, "expected a %s, got %s", want, describe(v))
  end
end

-- the state names in bit order, from the core's name -> bit table
local state_names = {}
for name in pairs(core.states) do state_names[#state_names + 1] = name end
table.sort(state_names, function(a, b) return core.states[a] < core.states[b] end)

local function check_states(v, path)
  if type(v) == "function" then return end
  if type(v) ~= "table" then
    bad(path, "expected a list of state names or a function, got %s",
        describe(v))
  end
  for i, s in ipairs(v) do
    check_one_of(s, path .. "[" .. i .. "]", state_names)
  end
end

local function check_handlers(t)
  if t.on_event ~= nil then
    check_type(t.on_event, "on_event", "function")
  end
  if t.on == nil then return end
  check_type(t.on, "on", "table")
  for k, f in pairs(t.on) do
    local path = "on." .. tostring(k)
    check_one_of(k, path, core.events)
    check_type(f, path, "function")
  end
end

local function check_part(p, path)
  check_type(p, path, "table")
  check_keys(p, part_keys, path)
  if (p.file == nil) == (p.temporary == nil) then
    bad(path, "needs exactly one of file or temporary")
  end
  if p.file ~= nil then check_type(p.file, path .. ".file", "string") end
  if p.temporary ~= nil then
    check_type(p.temporary, path .. ".temporary", "string")
    for _, k in ipairs { "create", "grow", "mode" } do
      if p[k] ~= nil then
        bad(path .. "." .. k, "only for file parts")
      end
    end
  end
  if p.create ~= nil then
    check_one_of(p.create, path .. ".create", { "always", "if_needed" })
  end
  if p.grow ~= nil then check_type(p.grow, path .. ".grow", "boolean") end
  if p.mode ~= nil and (math.type(p.mode) ~= "integer"
      or p.mode < 0 or p.mode > 511) then
    bad(path .. ".mode", "expected an integer from 0 to 0x1ff, got %s",
        describe(p.mode))
  end
  if p.offset ~= nil then check_size(p.offset, path .. ".offset") end
  if p.length ~= nil then check_size(p.length, path .. ".length") end
  if p.badblock_detection ~= nil then
    check_type(p.badblock_detection, path .. ".badblock_detection",
               "boolean")
  end
  if p.name ~= nil then check_type(p.name, path .. ".name", "string") end
  if p.sds ~= nil then
    check_type(p.sds, path .. ".sds", "table")
    local ok, err = pcall(core.sds, p.sds)
    if not ok then bad(path, "%s", err) end
  end
end

-- check(t) -- raises an error naming the first bad field of layout t
function M.check(t)
  check_type(t, "layout", "table")
  check_keys(t, set_keys, "layout")
  if t.granularity ~= nil then
    check_one_of(t.granularity, "granularity",
                 { "byte", "cache_line", "page" })
  end
  if t.coalescing ~= nil then
    check_one_of(t.coalescing, "coalescing",
                 { "none", "opportunistic", "full" })
  end
  if t.reservation ~= nil then check_size(t.reservation, "reservation") end
  if t.acceptable_states ~= nil then
    check_states(t.acceptable_states, "acceptable_states")
  end
  check_handlers(t)
  if t.parts ~= nil then
    check_type(t.parts, "parts", "table")
    for k in pairs(t.parts) do
      if math.type(k) ~= "integer" or k < 1 or k > #t.parts then
        bad("parts", "expected a list, found key %s", describe(k))
      end
    end
    local names = {}
    for i, p in ipairs(t.parts) do
      local path = "parts[" .. i .. "]"
      check_part(p, path)
      if p.name ~= nil then
        if names[p.name] then
          bad(path .. ".name", "duplicate name %s", describe(p.name))
        end
        names[p.name] = true
      end
    end
  end
  return true
end

local function exists(path)
  return os.rename(path, path) ~= nil
end

local function open_source(p)
  if p.temporary then
    return core.source.temporary(p.temporary)
  end
  local opts
  if p.create ~= nil or p.grow ~= nil or p.mode ~= nil then
    opts = { create = p.create, grow = p.grow, mode = p.mode }
  end
  return core.source.file(p.file, opts)
end

local function make_source(p)
  local src, err, code = open_source(p)
  if not src then return nil, err, code end
  if p.sds then
    local ok, serr, scode = src:set_sds(core.sds(p.sds))
    if not ok then
      src:close()
      return nil, serr, scode
    end
  end
  if p.badblock_detection ~= nil then
    src:set_badblock_detection(p.badblock_detection)
  end
  return src
end

local function set_options(t)
  local on
  if t.on then
    on = {}
    for k, f in pairs(t.on) do on[k] = f end
  end
  return {
    granularity = t.granularity, coalescing = t.coalescing,
    reservation = t.reservation, acceptable_states = t.acceptable_states,
    on_event = t.on_event, on = on,
  }
end

-- map every part; on failure undo and return nil, message, code
local function map_parts(set, t, created)
  local parts, sources = {}, {}
  local function undo(i, err, code)
    set:close()
    for _, src in ipairs(sources) do src:close() end
    for file in pairs(created) do os.remove(file) end
    return nil, string.format("parts[%d]: %s", i, err), code
  end
  for i, p in ipairs(t.parts or {}) do
    local src, err, code = make_source(p)
    if not src then return undo(i, err, code) end
    sources[i] = src
    local part
    part, err, code = set:map(src, { offset = p.offset, length = p.length })
    if not part then return undo(i, err, code) end
    parts[i] = part
    if p.name then parts[p.name] = part end
  end
  return parts, sources
end

-- build(t) -> set, parts, sources | nil, message, code
function M.build(t)
  M.check(t)
  local created = {}
  for _, p in ipairs(t.parts or {}) do
    if p.file and not exists(p.file) then created[p.file] = true end
  end
  local set, err, code = core.new(set_options(t))
  if not set then return nil, err, code end
  local parts, sources, mcode = map_parts(set, t, created)
  if not parts then return nil, sources, mcode end
  return set, parts, sources
end

-- load(path [, env]) -- runs the layout script at path (in env, default
-- _G) and builds the table it returns; unlike build, a script that cannot
-- be loaded or run, or returns a malformed table, gives nil, message,
-- "EINVAL" (the message names the file and the bad field)
function M.load(path, env)
  local chunk, err = loadfile(path, "t", env or _G)
  if not chunk then return nil, err, "EINVAL" end
  local ok, t = pcall(chunk)
  if not ok then return nil, t, "EINVAL" end
  local valid, err2 = pcall(M.check, t)
  if not valid then return nil, path .. ": " .. err2, "EINVAL" end
  return M.build(t)
end

return M
