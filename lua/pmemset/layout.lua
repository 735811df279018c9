-- SPDX-License-Identifier: BSD-3-Clause

--- Layouts: a set and its parts described by one table.
-- @module pmemset.layout
--
-- The one layout dialect of pmemset: `pmemset.layout`, `pmemset.load_layout`,
-- the embeddable host (`pmemset_lua_map_layout`) and `pmemset-lua --layout`
-- all map through this file. docs/layout.md lists every field with its type,
-- default and an example.
--
--   local set, parts, sources = pmemset.layout {
--     granularity = "page", coalescing = "full", reservation = "1G",
--     policy = "policy.lua",
--     parts = {
--       { file = "a.pool", create = "if_needed", length = "64M",
--         mode = "0644", badblock_detection = true, name = "a" },
--       { temporary = "/dev/shm", length = "128M" },
--     },
--   }
--
-- A layout is checked whole before anything is touched: every problem is
-- reported with its path (`parts[2].lenght: unknown field (did you mean
-- "length"?)`). A failure while mapping returns nil, message, code and
-- undoes everything: the set is closed (nothing mapped or reserved) and the
-- files the layout created are removed. Growth of existing files is kept
-- (the core never shrinks a source).
--
-- parts[i] is the part object of the i-th part (the part map holding it,
-- which coalescing may share between entries), also parts[name] for named
-- entries; sources[i] is its source.

local core = require "pmemset.core"

-- taken when the module loads: a sandboxed host removes os.remove and
-- os.rename from scripts, but a layout still undoes the files it created
local remove, rename = os.remove, os.rename

local M = {}

local set_fields = {
  "granularity", "coalescing", "reservation", "acceptable_states", "parts",
  "on", "on_event", "policy", "health",
}
-- what a policy lends a layout; a policy may also judge health (health.lua)
local policy_fields = { "on", "on_event", "acceptable_states" }
local policy_file_fields = { "on", "on_event", "acceptable_states", "health" }
local part_fields = {
  "file", "temporary", "create", "grow", "mode", "offset", "length", "sds",
  "badblock_detection", "name",
}
local granularities = { "byte", "cache_line", "page" }
local coalescings = { "none", "opportunistic", "full" }
local creates = { "never", "always", "if_needed" }

-- the value every field takes when a layout leaves it out (docs/layout.md)
M.defaults = {
  granularity = "page", coalescing = "none",
  acceptable_states = { "ok", "ok_but_already_open" },
  create = "never", grow = true, mode = "0644", offset = 0, length = 0,
  badblock_detection = false,
}

local function describe(v)
  if type(v) == "string" then return string.format("%q", v) end
  return type(v) == "table" and "a table" or tostring(v)
end

-- edit distance of two short strings (for "did you mean")
local function distance(a, b)
  local prev = {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur = { [0] = i }
    for j = 1, #b do
      local cost = a:sub(i, i) == b:sub(j, j) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev = cur
  end
  return prev[#b]
end

local function suggestion(name, list)
  if type(name) ~= "string" then return "" end
  local best, bestd
  for _, k in ipairs(list) do
    local d = distance(name, k)
    if #name >= 3 and (k:sub(1, #name) == name or name:sub(1, #k) == k) then
      d = 1 -- a truncated or extended name
    end
    if not bestd or d < bestd then best, bestd = k, d end
  end
  if bestd and bestd <= math.max(1, #name // 3) then
    return string.format(' (did you mean "%s"?)', best)
  end
  return ""
end

local function quoted(list)
  local q = {}
  for i, v in ipairs(list) do q[i] = string.format("%q", v) end
  return table.concat(q, ", ")
end

-- a checker collects every problem of a table with its path
local Checker = {}
Checker.__index = Checker

local function checker()
  return setmetatable({ problems = {} }, Checker)
end

function Checker:bad(path, fmt, ...)
  local message = string.format(fmt, ...)
  self.problems[#self.problems + 1] = { path = path, message = message }
  return false
end

function Checker:fields(t, list, path)
  local known = {}
  for _, k in ipairs(list) do known[k] = true end
  local keys = {}
  for k in pairs(t) do
    if not known[k] then keys[#keys + 1] = k end
  end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  for _, k in ipairs(keys) do
    local where = type(k) == "string" and path .. "." .. k
      or path .. "[" .. tostring(k) .. "]"
    self:bad(where, "unknown field%s", suggestion(k, list))
  end
end

function Checker:one_of(v, path, list)
  for _, name in ipairs(list) do
    if v == name then return true end
  end
  return self:bad(path, "expected one of %s, got %s%s", quoted(list),
                  describe(v), suggestion(v, list))
end

function Checker:type(v, path, want)
  if type(v) == want then return true end
  return self:bad(path, "expected a %s, got %s", want, describe(v))
end

function Checker:size(v, path)
  local n, why = core.size(v)
  if n then return n end
  self:bad(path, "%s", why)
end

-- "0644" or 420: a mode from 0 to 0o7777; nil if not one
local function file_mode(v)
  if math.type(v) == "integer" then
    return v >= 0 and v <= 4095 and v or nil
  end
  if type(v) == "string" and v:match("^0?[0-7][0-7]?[0-7]?[0-7]?$") then
    return tonumber(v, 8)
  end
end

-- the state names in bit order, from the core's name -> bit table
local state_names = {}
for name in pairs(core.states) do state_names[#state_names + 1] = name end
table.sort(state_names, function(a, b) return core.states[a] < core.states[b] end)

function Checker:states(v, path)
  if type(v) == "function" then return end
  if type(v) ~= "table" then
    return self:bad(path, "expected a list of state names or a function, got %s",
                    describe(v))
  end
  for i, s in ipairs(v) do
    self:one_of(s, path .. "[" .. i .. "]", state_names)
  end
end

function Checker:handlers(t, prefix)
  if t.on_event ~= nil then
    self:type(t.on_event, prefix .. "on_event", "function")
  end
  if t.on == nil or not self:type(t.on, prefix .. "on", "table") then return end
  for k, f in pairs(t.on) do
    local path = prefix .. "on." .. tostring(k)
    if self:one_of(k, path, core.events) then
      self:type(f, path, "function")
    end
  end
end

-- offsets and lengths are multiples of the page size whatever the source
function Checker:aligned(n, path, what)
  if n and n % core.pagesize ~= 0 then
    self:bad(path, "%s %d is not a multiple of the page size %d", what, n,
             core.pagesize)
  end
end

function Checker:part(p, path)
  if not self:type(p, path, "table") then return end
  self:fields(p, part_fields, path)
  if p.file ~= nil and p.temporary ~= nil then
    self:bad(path, "file and temporary exclude each other (a part is one or the other)")
  elseif p.file == nil and p.temporary == nil then
    self:bad(path, "needs a file or a temporary directory")
  end
  if p.file ~= nil then self:type(p.file, path .. ".file", "string") end
  if p.temporary ~= nil then
    self:type(p.temporary, path .. ".temporary", "string")
    for _, k in ipairs { "create", "grow", "mode" } do
      if p[k] ~= nil then self:bad(path .. "." .. k, "only for file parts") end
    end
  end
  if p.create ~= nil then self:one_of(p.create, path .. ".create", creates) end
  if p.grow ~= nil then self:type(p.grow, path .. ".grow", "boolean") end
  if p.mode ~= nil and not file_mode(p.mode) then
    self:bad(path .. ".mode", "expected a file mode (an integer from 0 to "
             .. '0o7777 or an octal string such as "0644"), got %s',
             describe(p.mode))
  end
  if p.offset ~= nil then
    self:aligned(self:size(p.offset, path .. ".offset"), path .. ".offset", "offset")
  end
  if p.length ~= nil then
    self:aligned(self:size(p.length, path .. ".length"), path .. ".length", "length")
  end
  if p.badblock_detection ~= nil then
    self:type(p.badblock_detection, path .. ".badblock_detection", "boolean")
  end
  if p.name ~= nil then self:type(p.name, path .. ".name", "string") end
  if p.sds ~= nil and p.sds ~= true then
    if self:type(p.sds, path .. ".sds", "table") then
      local ok, err = pcall(core.sds, p.sds)
      if not ok then self:bad(path .. ".sds", "%s", err) end
    end
  end
end

function Checker:parts(parts)
  if parts == nil then return self:bad("parts", "missing (a list of parts)") end
  if not self:type(parts, "parts", "table") then return end
  local n = #parts
  for k in pairs(parts) do
    if math.type(k) ~= "integer" or k < 1 or k > n then
      return self:bad("parts", "expected a list of parts, found the key %s",
                      describe(k))
    end
  end
  if n == 0 then return self:bad("parts", "empty (a layout maps at least one part)") end
  local names = {}
  for i, p in ipairs(parts) do
    local path = "parts[" .. i .. "]"
    self:part(p, path)
    if type(p) == "table" and type(p.name) == "string" then
      if names[p.name] then
        self:bad(path .. ".name", "duplicate name %s (also parts[%d])",
                 describe(p.name), names[p.name])
      end
      names[p.name] = names[p.name] or i
    end
  end
end

--- Checks a policy table (on, on_event, acceptable_states, health) without
-- using it.
-- @tparam table t the policy
-- @treturn {problem,...} the problems found, each `{path =, message =}`
-- (an empty list for a valid policy)
function M.check_policy(t)
  local c = checker()
  if c:type(t, "policy", "table") then
    c:fields(t, policy_file_fields, "policy")
    if t.acceptable_states ~= nil then
      c:states(t.acceptable_states, "acceptable_states")
    end
    c:handlers(t, "")
    if t.health ~= nil then c:type(t.health, "health", "function") end
  end
  return c.problems
end

--- Checks a layout table without touching anything.
-- Every problem is listed, in the order of the fields, with its path.
-- @tparam table t the layout
-- @treturn {problem,...} the problems, each `{path =, message =}` (empty
-- when the layout is valid)
function M.problems(t)
  local c = checker()
  if not c:type(t, "layout", "table") then return c.problems end
  c:fields(t, set_fields, "layout")
  if t.granularity ~= nil then c:one_of(t.granularity, "granularity", granularities) end
  if t.coalescing ~= nil then c:one_of(t.coalescing, "coalescing", coalescings) end
  if t.reservation ~= nil then
    local n = c:size(t.reservation, "reservation")
    if n == 0 then c:bad("reservation", "must not be 0") end
  end
  if t.policy ~= nil then c:type(t.policy, "policy", "string") end
  if t.acceptable_states ~= nil then
    c:states(t.acceptable_states, "acceptable_states")
  end
  c:handlers(t, "")
  if t.health ~= nil then c:type(t.health, "health", "function") end
  c:parts(t.parts)
  return c.problems
end

--- The problems of a layout as text, one "path: message" per line.
-- @tparam {problem,...} problems as returned by @{problems}
-- @treturn string
function M.format_problems(problems)
  local lines = {}
  for i, p in ipairs(problems) do lines[i] = p.path .. ": " .. p.message end
  return table.concat(lines, "\n")
end

--- Raises an error listing every problem of layout t.
-- @tparam table t the layout
-- @treturn boolean true when t is valid
function M.check(t)
  local problems = M.problems(t)
  if #problems > 0 then error(M.format_problems(problems), 0) end
  return true
end

local function exists(path)
  return rename(path, path) ~= nil
end

local function relative(dir, path)
  if not dir or path:sub(1, 1) == "/" then return path end
  return dir .. "/" .. path
end

--- Lends a layout the policy file it names: the policy's handlers and
-- states where t has none (t itself is not changed).
-- Raises when the policy script cannot be loaded or run or is malformed.
-- @tparam table t the layout
-- @tparam[opt] string dir the directory `policy` is relative to
-- @tparam[opt] table env the environment of the policy script (default _G)
-- @return the merged layout, and the policy table (nil without `policy`),
-- whose other fields (a health policy's `health`) callers may use
function M.lend_policy(t, dir, env)
  if not t.policy then return t end
  local path = relative(dir, t.policy)
  local chunk, err = loadfile(path, "t", env or _G)
  if not chunk then error("policy: " .. err, 0) end
  local ok, p = pcall(chunk)
  if not ok then error("policy: " .. tostring(p), 0) end
  local problems = M.check_policy(p)
  if #problems > 0 then
    error(path .. ": " .. M.format_problems(problems), 0)
  end
  local merged = {}
  for k, v in pairs(t) do merged[k] = v end
  for _, k in ipairs(policy_fields) do
    if merged[k] == nil then merged[k] = p[k] end
  end
  return merged, p
end

local function source_options(p)
  if p.create == nil and p.grow == nil and p.mode == nil then return nil end
  local create = p.create
  if create == "never" then create = nil end
  return { create = create, grow = p.grow, mode = p.mode and file_mode(p.mode) }
end

local function make_source(p)
  local src, err, code
  if p.temporary then
    src, err, code = core.source.temporary(p.temporary)
  else
    src, err, code = core.source.file(p.file, source_options(p))
  end
  if not src then return nil, err, code end
  if p.sds then
    local ok, serr, scode = src:set_sds(core.sds(p.sds ~= true and p.sds or nil))
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

-- the offset and length of part p must fit the alignment of its source
local function check_alignment(p, src)
  local align = src:alignment()
  if not align then return true end
  for _, k in ipairs { "offset", "length" } do
    local n = p[k] and core.size(p[k]) or 0
    if n % align ~= 0 then
      return nil, string.format(
        "%s %d is not a multiple of the source's alignment %d", k, n, align),
        "PMEMSET_E_INVALID_ALIGNMENT_VALUE"
    end
  end
  return true
end

-- the pmemset.new options of t; part_add also reports where each part went
local function set_options(t, placed)
  local on = {}
  for k, f in pairs(t.on or {}) do on[k] = f end
  local user = on.part_add or t.on_event
  on.part_add = function(set, ev)
    placed[#placed + 1] = { addr = ev.addr, size = ev.len }
    if user then return user(set, ev) end
  end
  return {
    granularity = t.granularity or M.defaults.granularity,
    coalescing = t.coalescing, reservation = t.reservation,
    acceptable_states = t.acceptable_states, on_event = t.on_event, on = on,
  }
end

-- what build knows of each set it made, for report (weak: no leak)
local built = setmetatable({}, { __mode = "k" })

local function part_label(i, p)
  local what = p.name or p.file or ("temporary in " .. tostring(p.temporary))
  return string.format("parts[%d] (%s)", i, what)
end

-- map every part; on failure undo and return nil, message, code
local function map_parts(set, t, created, placed)
  local parts, sources, info = {}, {}, {}
  local function undo(i, err, code)
    set:close()
    for _, src in pairs(sources) do src:close() end
    for file in pairs(created) do remove(file) end
    return nil, part_label(i, t.parts[i]) .. ": " .. tostring(err), code
  end
  for i, p in ipairs(t.parts) do
    local src, err, code = make_source(p)
    if not src then return undo(i, err, code) end
    sources[i] = src
    local ok
    ok, err, code = check_alignment(p, src)
    if not ok then return undo(i, err, code) end
    local part
    part, err, code = set:map(src, { offset = p.offset, length = p.length })
    if not part then return undo(i, err, code) end
    parts[i] = part
    if p.name then parts[p.name] = part end
    local at = placed[#placed] or {}
    info[i] = { name = p.name, file = p.file, temporary = p.temporary,
                offset = p.offset and core.size(p.offset) or 0,
                addr = at.addr, size = at.size, source = src }
  end
  built[set] = info
  return parts, sources
end

--- Builds the set a layout describes.
-- Raises on a malformed layout (every problem listed, nothing touched).
-- @tparam table t the layout (docs/layout.md)
-- @tparam[opt] table opts `dir`: the directory `policy` is relative to
-- (default: the current one); `env`: the environment of the policy script
-- @return set, parts, sources; or nil, message, code after a failure that
-- left nothing behind
function M.build(t, opts)
  opts = opts or {}
  M.check(t)
  t = M.lend_policy(t, opts.dir, opts.env)
  M.check(t)
  local created = {}
  for _, p in ipairs(t.parts) do
    if p.file and not exists(p.file) then created[p.file] = true end
  end
  local placed = {}
  local set, err, code = core.new(set_options(t, placed))
  if not set then return nil, err, code end
  local parts, sources, mcode = map_parts(set, t, created, placed)
  if not parts then return nil, sources, mcode end
  return set, parts, sources
end

--- What a set built from a layout holds, as plain data (the text of
-- `pmemset-lua --layout` is made from it).
-- @param set a set returned by @{build} or @{load}
-- @treturn table `{ part_maps =, granularity =, coalescing =, parts =
-- { {part =, name =, source =, offset =, addr =, size =, map =,
-- map_size =, state =}... } }`: `map` is the index of the part map (in
-- address order) holding the part, `state` the SDS state name or nil
function M.report(set)
  local maps = {}
  for p in set:parts() do maps[#maps + 1] = { addr = p.addr, size = p.size } end
  table.sort(maps, function(a, b) return a.addr < b.addr end)
  local r = { part_maps = #maps, granularity = set:granularity(),
              coalescing = set:coalescing(), parts = {} }
  for i, info in ipairs(built[set] or {}) do
    local map
    for k, m in ipairs(maps) do
      if info.addr and info.addr >= m.addr and info.addr < m.addr + m.size then map = k end
    end
    r.parts[i] = {
      part = i, name = info.name, offset = info.offset, addr = info.addr,
      size = info.size, map = map, map_size = map and maps[map].size,
      source = info.file or ("temporary in " .. info.temporary),
      state = info.source:state(),
    }
  end
  return r
end

--- The text of a report: its parts, then the events (`{ event =, fields =,
-- result = }` each) when r has them.
-- @tparam table r a @{report}, optionally with `events`
-- @treturn string
function M.format_report(r)
  local out = { "parts:", ("  %-5s %-4s %12s %-18s %12s %12s  %-20s %s"):format(
    "part", "map", "map size", "address", "size", "offset", "state", "source") }
  for _, p in ipairs(r.parts) do
    out[#out + 1] = ("  %-5d %-4s %12s 0x%-16x %12d %12d  %-20s %s"):format(
      p.part, tostring(p.map or "-"), tostring(p.map_size or "-"), p.addr or 0,
      p.size or 0, p.offset, p.state or "-",
      p.source .. (p.name and (" (" .. p.name .. ")") or ""))
  end
  out[#out + 1] = ("part maps: %d (granularity %s, coalescing %s)"):format(
    r.part_maps, r.granularity or "-", r.coalescing or "-")
  if r.events then
    out[#out + 1] = "events:"
    for _, e in ipairs(r.events) do
      local line = ("  %-18s %s"):format(e.event, e.fields or "")
      if e.result and e.result ~= 0 then
        line = line .. ("  -> %d: %s"):format(e.result, e.message or "")
      end
      out[#out + 1] = line
    end
    if #r.events == 0 then out[#out + 1] = "  (none)" end
  end
  return table.concat(out, "\n") .. "\n"
end

local function dirname(path)
  return path:match("^(.*)/[^/]*$") or "."
end

--- Runs the layout script at path and builds the table it returns.
-- Unlike @{build}, a script that cannot be loaded or run, or returns a
-- malformed table, gives nil, message, "EINVAL" (the message names the
-- file and every bad field).
-- @tparam string path the layout script; `policy` is relative to its directory
-- @tparam[opt] table env the environment of the scripts (default _G)
-- @return set, parts, sources or nil, message, code
function M.load(path, env)
  local chunk, err = loadfile(path, "t", env or _G)
  if not chunk then return nil, err, "EINVAL" end
  local ok, t = pcall(chunk)
  if not ok then return nil, tostring(t), "EINVAL" end
  local problems = M.problems(t)
  if #problems > 0 then
    return nil, path .. ": " .. M.format_problems(problems), "EINVAL"
  end
  local ok2, set, parts, sources = pcall(M.build, t,
                                         { dir = dirname(path), env = env })
  if not ok2 then return nil, path .. ": " .. tostring(set), "EINVAL" end
  if not set then return nil, path .. ": " .. parts, sources end
  return set, parts, sources
end

return M
