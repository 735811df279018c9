-- SPDX-License-Identifier: BSD-3-Clause

--- What pmemset-lua's workbench options print.
-- They are Lua functions the CLI calls (src/cli/workbench.c) and embedders may call
-- too. Each returns the text to print and the exit status (0 ok, 1 a
-- problem was found or an operation failed).
--
--   workbench.inventory(format)   --inventory [--format text|json]
--   workbench.check(file, ...)    --check FILE...
--   workbench.layout(path, format, svg)   --layout FILE with --format json
--                                 or --svg FILE
--   workbench.json_mode()         print() to stderr: stdout is the document
--   workbench.close()             closes what layout() mapped
-- @module pmemset.workbench

local core = require "pmemset.core"
local json = require "pmemset.json"
local layouts = require "pmemset.layout"
local report = require "pmemset.report"
local svg = require "pmemset.svg"

local M = {}

local function line(out, fmt, ...) out[#out + 1] = fmt:format(...) end

local function opt(v) return v == nil and "-" or tostring(v) end

-- the inventory as text: one line per bus, DIMM, region and namespace
local function inventory_text(inv)
  local out = {}
  line(out, "buses: %d", #inv.buses)
  for _, b in ipairs(inv.buses) do
    line(out, "  %-12s provider=%s", opt(b.name), opt(b.provider))
  end
  line(out, "dimms: %d", #inv.dimms)
  for _, d in ipairs(inv.dimms) do
    local bus = d.bus and inv.buses[d.bus] and inv.buses[d.bus].name
    line(out, "  %-12s id=%s health=%s usc=%s %s", opt(d.name),
         d.id ~= "" and opt(d.id) or "-", opt(d.health), opt(d.usc),
         d.emulated and ("emulated path=" .. opt(d.path))
           or ("bus=" .. opt(bus)))
  end
  line(out, "regions: %d", #inv.regions)
  for _, r in ipairs(inv.regions) do
    line(out, "  %-12s type=%s size=%s available=%s", opt(r.name),
         opt(r.type), opt(r.size), opt(r.available))
  end
  line(out, "namespaces: %d", #inv.namespaces)
  for _, ns in ipairs(inv.namespaces) do
    local region = ns.region and inv.regions[ns.region]
    line(out, "  %-12s mode=%s size=%s region=%s blockdev=%s", opt(ns.name),
         opt(ns.mode), opt(ns.size), opt(region and region.name),
         ns.device ~= "" and opt(ns.device) or "-")
  end
  return table.concat(out, "\n")
end

--- The machine's persistent memory and the emulated devices.
-- What `pmemset-lua --inventory` prints.
-- @tparam[opt] string format `"json"` for the JSON document (docs/json.md),
-- anything else for text, one line per bus, DIMM, region and namespace
-- @treturn string the text to print
-- @treturn integer 0, or 1 when the inventory cannot be read (the text
-- then says why)
-- @usage local text, status = workbench.inventory("json")
function M.inventory(format)
  local inv, err = core.inventory()
  if not inv then return "cannot read the inventory: " .. err, 1 end
  if format == "json" then
    return json.encode(json.inventory(inv)), 0
  end
  return inventory_text(inv), 0
end

-- layout -----------------------------------------------------------------

--- The sets layout() mapped, `{set =, sources =}` each, kept open for the
-- scripts that run after it; close() closes them.
-- @table mapped
M.mapped = {}

local function dir_of(path) return path:match("^(.*)/[^/]*$") or "." end

-- the layout table of the script at path with its policy lent, or nil, why
local function load_layout(path)
  local chunk, err = loadfile(path, "t", _G)
  if not chunk then return nil, err end
  local ok, t = pcall(chunk)
  if not ok then return nil, tostring(t) end
  local problems = layouts.problems(t)
  if #problems > 0 then
    return nil, path .. ": " .. layouts.format_problems(problems)
  end
  local lent, merged = pcall(layouts.lend_policy, t, dir_of(path), _G)
  if not lent then return nil, path .. ": " .. tostring(merged) end
  return merged
end

-- the host's keys (pmemset-lua's global host), name -> value
local function host_keys()
  local h = rawget(_G, "host")
  if type(h) ~= "table" or not h.keys then return nil end
  local keys = {}
  for k, v in h.keys("") do keys[k] = v end
  return keys
end

local function write_file(path, text)
  local f, err = io.open(path, "w")
  if not f then return nil, err end
  local ok, werr = f:write(text)
  f:close()
  if not ok then return nil, werr end
  return true
end

--- Maps a layout script, recording its events and decisions.
-- As `pmemset-lua --layout` does. The set stays mapped (in `mapped`) until close().
-- @tparam string path the layout script
-- @tparam[opt] string format `"json"` for the JSON document of the run,
-- anything else for the text summary
-- @tparam[opt] string svgfile where to write the SVG picture
-- @treturn string the text to print
-- @treturn integer 0 when mapped (and the picture written), 1 otherwise
-- (the text says why; nothing stays mapped)
-- @usage local text, status = workbench.layout("pool.lua", "json", "pool.svg")
function M.layout(path, format, svgfile)
  local t, err = load_layout(path)
  local run, set, parts, sources
  if t then
    local l
    l, run = report.recording(t, {})
    set, parts, sources = layouts.build(l)
    if not set then err, run.code = parts, sources end
  else
    run = { events = {}, decisions = {}, layout = {} }
  end
  if set then M.mapped[#M.mapped + 1] = { set = set, sources = sources } end
  run.set, run.sources, run.error = set, sources, err
  run.keys = host_keys()
  local r = report.build(run)
  local status = r.ok and 0 or 1
  if svgfile then
    local ok, werr = write_file(svgfile, svg.render(r))
    if not ok then
      err, status = "--svg: " .. tostring(werr), 1
      r.ok, r.error = false, r.error or err
    end
  end
  if format == "json" then
    return json.encode(json.layout(r, { layout = path })), status
  end
  local out = {}
  if set then out[1] = layouts.format_report(layouts.report(set)) end
  if svgfile and status == 0 then line(out, "svg: %s", svgfile) end
  if not r.ok then line(out, "error: %s", tostring(r.error)) end
  return table.concat(out, "\n"), status
end

--- Closes the sets layout() mapped, each before its sources (so their
-- last events still name their files).
-- @treturn string ""
-- @treturn integer 0
function M.close()
  for i = #M.mapped, 1, -1 do
    local m = M.mapped[i]
    m.set:close()
    for _, src in ipairs(m.sources) do src:close() end
    M.mapped[i] = nil
  end
  return "", 0
end

--- From now on print() writes to standard error, so that standard output
-- holds the JSON document alone (for `--format json`).
-- @treturn string ""
-- @treturn integer 0
function M.json_mode()
  _G.print = function(...)
    local n = select("#", ...)
    local t = table.pack(...)
    for i = 1, n do t[i] = tostring(t[i]) end
    io.stderr:write(table.concat(t, "\t", 1, n), "\n")
  end
  return "", 0
end

-- check ----------------------------------------------------------------

-- the line of file's text where the field at the end of path is set, when
-- the text sets it exactly once (the shape of a table does not say)
local function line_of(text, path)
  local key = path:gsub("%[%d+%]$", ""):match("([%a_][%w_]*)$")
  if not key or not text then return nil end
  local found, n = nil, 0
  local i = 0
  for l in (text .. "\n"):gmatch("([^\n]*)\n") do
    i = i + 1
    local code = l:gsub("%-%-.*$", "")
    if code:find("%f[%w_]" .. key .. "%s*=") then found, n = i, n + 1 end
  end
  return n == 1 and found or nil
end

local function read(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local text = f:read("a")
  f:close()
  return text
end

local dirname = dir_of

local function relative(dir, path)
  if path:sub(1, 1) == "/" or dir == "." then return path end
  return dir .. "/" .. path
end

-- whether a file may carry an SDS record: it lies on an emulated device,
-- or the machine has NVDIMMs (which one holds the file is not known here)
local function sds_device(file)
  local inv = core.inventory()
  for _, d in ipairs(inv and inv.dimms or {}) do
    if not d.emulated then return true end
  end
  local state = core.emu.selected() and core.emu.state()
  local real = core.realpath(file)
  if not real then
    local dir = core.realpath(dirname(file))
    real = dir and dir .. "/" .. file:match("[^/]*$") or file
  end
  for _, d in ipairs(state and state.devices or {}) do
    if real == d.path or real:sub(1, #d.path + 1) == d.path .. "/" then
      return true
    end
  end
  return false
end

-- the problems of the files a layout would use, without touching them
local function file_problems(t, add)
  local need = 0
  for i, p in ipairs(t.parts) do
    local path = "parts[" .. i .. "]"
    if p.sds and p.file and not sds_device(p.file) then
      add(path .. ".sds", p.file .. " is on no device with an "
          .. "unsafe-shutdown count (no NVDIMM, no emulated device)")
    end
    local length = p.length and core.size(p.length) or 0
    local offset = p.offset and core.size(p.offset) or 0
    if p.temporary then
      local ok, err = core.access(p.temporary, "rwx")
      if not ok then add(path .. ".temporary", err) end
    else
      local size = core.file_size(p.file)
      if size then
        local ok, err = core.access(p.file, "rw")
        if not ok then add(path .. ".file", err) end
        if length == 0 then length = math.max(size - offset, 0) end
        if p.create == "always" then
          size = 0
          if length == 0 then
            add(path .. ".length", "needed: create = \"always\" makes " .. p.file
                .. " empty")
          end
        end
        if offset + length > size and p.grow == false then
          add(path .. ".length", ("needs %d bytes of %s, which has %d and "
            .. "grow is false"):format(offset + length, p.file, size))
        end
      elseif length == 0 and p.create then
        add(path .. ".length", "needed: " .. p.file .. " does not exist "
            .. "and a new file is empty")
      elseif p.create ~= "always" and p.create ~= "if_needed" then
        add(path .. ".file", p.file .. " does not exist (create is "
            .. tostring(p.create or layouts.defaults
                        and layouts.defaults.create or "not set") .. ")")
      else
        local ok, err = core.access(dirname(p.file), "wx")
        if not ok then add(path .. ".file", "cannot create it: " .. err) end
      end
    end
    need = need + length
  end
  local rsv = t.reservation and core.size(t.reservation)
  if rsv and need > rsv then
    add("reservation", ("the parts need %d bytes, more than the "
      .. "reservation's %d"):format(need, rsv))
  end
end

-- the shape problems of a layout or a policy table (issue 8's checker)
local function shape_problems(t, is_layout)
  if is_layout then return layouts.problems(t) end
  return layouts.check_policy(t)
end

local set_fields = { "parts", "granularity", "coalescing", "reservation",
                     "policy" }

local function is_layout(t)
  if type(t) ~= "table" then return true end
  for _, k in ipairs(set_fields) do
    if t[k] ~= nil then return true end
  end
  return false
end

-- Lua's "file:line: message" of a script that does not load or run, as
-- "file:line: what: message"
-- Lua names a long chunk by the tail of its path after "..." (LUA_IDSIZE),
-- so the message's source is either the file or "..." and a tail of it.
local function names_file(id, file)
  if id == file then return true end
  local tail = id:match("^%.%.%.(.+)$")
  return tail ~= nil and file:sub(-#tail) == tail
end

local function lua_error(file, what, msg)
  local id, n, rest = msg:match("^(.-):(%d+): (.*)$")
  if id and names_file(id, file) then
    return ("%s:%s: %s: %s"):format(file, n, what, rest)
  end
  return ("%s: %s: %s"):format(file, what, msg)
end

-- check_file(file, out, env, seen) -- appends "file:line: path: message"
-- lines for the problems of one layout or policy script
local function check_file(file, out, env, seen)
  if seen[file] then return end
  seen[file] = true
  local text, rerr = read(file)
  local function add(path, message)
    local n = line_of(text, path)
    local where = n and file .. ":" .. n or file
    out[#out + 1] = ("%s: %s: %s"):format(where, path, message)
  end
  if not text then
    out[#out + 1] = ("%s: cannot read it: %s"):format(file, rerr)
    return
  end
  local chunk, err = load(text, "@" .. file, "t", env)
  if not chunk then
    out[#out + 1] = lua_error(file, "syntax", err)
    return
  end
  local ok, t = pcall(chunk)
  if not ok then
    out[#out + 1] = lua_error(file, "run", tostring(t))
    return
  end
  if type(t) ~= "table" then
    out[#out + 1] = ("%s: the script returns %s, not a layout or policy table")
      :format(file, type(t) == "nil" and "nothing" or "a " .. type(t))
    return
  end
  local layout = is_layout(t)
  local problems = shape_problems(t, layout)
  for _, p in ipairs(problems) do add(p.path, p.message) end
  if layout and type(t.policy) == "string" then
    local policy = relative(dirname(file), t.policy)
    local size, why = core.file_size(policy)
    if not size then
      add("policy", "cannot read it: " .. why)
    else
      check_file(policy, out, env, seen)
    end
  end
  if layout and #problems == 0 then file_problems(t, add) end
end

--- Checks layout and policy scripts.
-- What `pmemset-lua --check` prints.
-- Every problem of the scripts given and of the policies the layouts name
-- is listed. The scripts are run to get their tables; nothing is created
-- or mapped.
-- @tparam string ... the scripts' paths
-- @treturn string the problems, one "file:line: path: message" per line
-- @treturn integer 0 when there is none, 1 otherwise
-- @usage local text, status = workbench.check("pool.lua", "policy.lua")
function M.check(...)
  local out, seen = {}, {}
  for _, file in ipairs { ... } do check_file(file, out, _G, seen) end
  return table.concat(out, "\n"), #out == 0 and 0 or 1
end

return M
