-- SPDX-License-Identifier: BSD-3-Clause
-- pmemset.health -- the health of the pools of a layout, for a cluster
-- manager (docs/cluster.md):
--
--   local verdict, reason, report = pmemset.health(layout, policy)
--
-- looks at every part of the layout table WITHOUT mapping it (nothing is
-- created, mapped or cleared): the device of each file source, the SDS state
-- pmemset_map would classify it in, its bad blocks, and what the policy's
-- own handlers would decide about them. policy.health(report) (else
-- layout.health) then gives the verdict: "green", "yellow", "red" or an
-- integer (a Pacemaker health score), and an optional reason. It returns
-- nil, message when the health cannot be determined (a malformed layout, no
-- health function, an error in it, a verdict of another kind).
-- pmemset.health_report(layout [, policy]) gives the report alone and
-- raises on a malformed layout (the message of pmemset.check_layout).
--
-- The report:
--   { sources = { <one per part, in order> } }, each source
--   { index = i, file = path | temporary = dir, name = parts[i].name,
--     exists = bool, size = bytes of the file,
--     used = { offset =, length = } (the bytes the part maps),
--     device = { id =, usc = } (nil, device_error = msg where unknown),
--     sds = { stored = {id, usc, refcount}, state = "ok" | ...,
--             decision = "accepted" | "refused", why = msg } (SDS parts),
--     badblocks = { count =, bytes =, detection = bool, error = msg,
--                   ranges = { { offset =, length =, used = bool,
--                                decision = "cleared" | "refused" | "left"
--                                  | "error" | "not_checked", why = } } },
--     map = "ok" | "refused", reason = why the map would fail }
-- Decisions: acceptable_states (a list or a function, as in pmemset.new;
-- default { "ok", "ok_but_already_open" }) for the SDS state; the badblock
-- handler (on.badblock, else on_event) called with a dry-run set whose
-- clear_badblock(ev) records "cleared" and clears nothing. "left" means the
-- handler neither cleared nor refused the block (pmemset_map then fails);
-- "not_checked" that the part has no bad-block detection. When every block
-- would be cleared, the badblocks_cleared handler (on.badblocks_cleared,
-- else on_event) is asked too (set nil): its refusal refuses the map.
--
--   pmemset.health_file(layout_path [, policy_path [, default_path]])
-- runs a layout script (in _G, so host.* works in the CLI's interpreter),
-- lends its policy = "file" (pmemset.layout's lend_policy: on, on_event,
-- acceptable_states, and here health, where the layout has none) and
-- evaluates it
-- with the policy script at policy_path, else the layout's own health
-- function, else the policy script at default_path.
local core = require "pmemset.core"

local M = {}

--- Health policies: the colour of a node's persistent memory for a cluster
-- manager, from a report of a layout's pools read without mapping them
-- (docs/cluster.md).
-- @submodule pmemset

--- The verdict of a health policy over a layout's pools.
-- @function health
-- @tparam table layout a layout table (docs/layout.md)
-- @tparam[opt] table policy its `health(report)` is used, else the layout's;
-- its handlers and states where the layout has none
-- @return verdict ("green", "yellow", "red" or an integer), reason (or
-- nil) and the report; or nil, message when the health cannot be determined

--- The report a health function gets (the fields are in docs/cluster.md).
-- Raises on a malformed layout.
-- @function health_report
-- @tparam table layout
-- @tparam[opt] table policy
-- @treturn table `{ sources = { ... } }`, one entry per part

--- @{health} of a layout script: runs it, lends its `policy` file, and
-- uses the health function of the script at policy_path, else the
-- layout's, else the script at default_path.
-- @function health_file
-- @tparam string layout_path
-- @tparam[opt] string policy_path
-- @tparam[opt] string default_path
-- @return as @{health}

local COLOURS = { green = true, yellow = true, red = true }

-- the handlers of t, falling back to those of policy
local function pick(t, policy, key)
  if t[key] ~= nil then return t[key] end
  return policy and policy[key]
end

-- what the state policy (list or function) says of state
local function state_decision(acceptable, state, info)
  if type(acceptable) == "function" then
    local ok, res, why = pcall(acceptable, state, info)
    if not ok then return "refused", tostring(res) end
    if res then return "accepted" end
    return "refused", why and tostring(why) or nil
  end
  for _, s in ipairs(acceptable) do
    if s == state then return "accepted" end
  end
  return "refused", "not in acceptable_states"
end

-- what the badblock handler would do with bb of the file at path
local function badblock_decision(handler, path, bb)
  if not handler then return "left", "no badblock handler" end
  local cleared = false
  local view = {
    clear_badblock = function()
      cleared = true
      return true
    end,
    get = function(_, key)
      local h = rawget(_G, "host")
      if h then return h.get(key) end
      return nil
    end,
  }
  local ev = { type = "badblock", offset = bb.offset, length = bb.length,
               source = path }
  local ok, res, why = pcall(handler, view, ev)
  if not ok then return "error", tostring(res) end
  if res == false then
    return "refused", why and tostring(why) or nil
  end
  if cleared then return "cleared" end
  return "left", "the handler did not clear it"
end

-- what the badblocks_cleared handler would say once every block is cleared:
-- an error, false or a non-zero integer aborts the map
local function cleared_decision(handler, path)
  if not handler then return nil end
  local ok, res, why = pcall(handler, nil,
                             { type = "badblocks_cleared", source = path })
  if not ok then return "the badblocks_cleared handler failed: " .. tostring(res) end
  if res == false or (math.type(res) == "integer" and res ~= 0) then
    return "the badblocks_cleared handler refused"
      .. (why and (": " .. tostring(why)) or "")
  end
  return nil
end

local function overlaps(a_off, a_len, b_off, b_len)
  return a_off < b_off + b_len and b_off < a_off + a_len
end

local function probe_badblocks(r, src, p, handlers)
  local bbs, err = src:badblocks()
  local detection = p.badblock_detection == true
  local out = { count = 0, bytes = 0, detection = detection, ranges = {} }
  r.badblocks = out
  if not bbs then
    out.error = err
    if detection then return "cannot list the bad blocks: " .. err end
    return nil
  end
  local refused
  for i, bb in ipairs(bbs) do
    local range = { offset = bb.offset, length = bb.length,
                    used = overlaps(bb.offset, bb.length,
                                    r.used.offset, r.used.length) }
    if detection then
      range.decision, range.why = badblock_decision(handlers.badblock,
                                                    p.file, bb)
      if range.decision ~= "cleared" and not refused then
        refused = ("bad block %d+%d %s"):format(bb.offset, bb.length,
                                                range.decision)
      end
    else
      range.decision = "not_checked"
    end
    out.ranges[i] = range
    out.count = out.count + 1
    out.bytes = out.bytes + bb.length
  end
  if detection and out.count > 0 and not refused then
    refused = cleared_decision(handlers.cleared, p.file)
  end
  return refused
end

local function probe_sds(r, src, p, acceptable)
  local stored = core.sds(p.sds ~= true and p.sds or nil)
  local ok, err = src:set_sds(stored)
  if not ok then return "sds: " .. err end
  r.sds = { stored = stored }
  local state, serr = src:sds_state()
  if not state then return "sds: " .. serr end
  r.sds.state = state
  local dev = r.device or {}
  r.sds.decision, r.sds.why = state_decision(acceptable, state, {
    state = state, path = p.file, device_id = dev.id, usc = dev.usc,
    use_count = 0, stored = stored,
  })
  if r.sds.decision == "refused" then
    return "part state " .. state .. " refused"
      .. (r.sds.why and (": " .. r.sds.why) or "")
  end
  return nil
end

-- probes the file part p (opened read-only in spirit: nothing is mapped)
local function probe_file(r, p, handlers)
  r.size = core.file_size(p.file) -- nil when missing (or not a file)
  r.exists = r.size ~= nil
  local offset = core.size(p.offset or 0)
  local length = p.length and core.size(p.length) or 0
  if length == 0 then length = math.max((r.size or 0) - offset, 0) end
  r.used = { offset = offset, length = length }
  if not r.exists then
    if p.create and p.create ~= "never" then return nil end -- created by map
    return "no such file"
  end
  local src, err = core.source.file(p.file)
  if not src then return err end
  local dev, derr = src:device()
  r.device, r.device_error = dev, derr
  local why = probe_badblocks(r, src, p, handlers)
  if p.sds then
    why = probe_sds(r, src, p, handlers.states) or why
  end
  src:close()
  return why
end

-- report(layout [, policy]) -- the report described above
function M.report(t, policy)
  if type(t) ~= "table" then
    error("layout: expected a table, got " .. type(t), 2)
  end
  -- loaded on first use: the embedded modules load in name order
  require("pmemset.layout").check(t)
  local on = pick(t, policy, "on")
  local on_event = pick(t, policy, "on_event")
  local handlers = {
    badblock = on and on.badblock or on_event,
    cleared = on and on.badblocks_cleared or on_event,
    states = pick(t, policy, "acceptable_states")
      or require("pmemset.layout").defaults.acceptable_states,
  }
  local report = { sources = {} }
  for i, p in ipairs(t.parts or {}) do
    local r = { index = i, file = p.file, temporary = p.temporary,
                name = p.name }
    local why
    if p.file then why = probe_file(r, p, handlers) end
    r.map = why and "refused" or "ok"
    r.reason = why
    report.sources[i] = r
  end
  return report
end

local function check_verdict(v)
  if type(v) == "string" and COLOURS[v] then return v end
  if math.type(v) == "integer" then return v end
  return nil
end

-- health(layout, policy) -> verdict, reason, report | nil, message
function M.evaluate(t, policy)
  -- the policy given says how to judge; the layout, what would be mapped
  local fn = policy and policy.health or t.health
  if type(fn) ~= "function" then
    return nil, "the policy has no health function"
  end
  local ok, report = pcall(M.report, t, policy)
  if not ok then return nil, report end
  local okh, verdict, reason = pcall(fn, report)
  if not okh then return nil, "health: " .. tostring(verdict) end
  local v = check_verdict(verdict)
  if v == nil then
    return nil, ("health: expected \"green\", \"yellow\", \"red\" or an "
      .. "integer, got %s"):format(type(verdict) == "string"
        and ("%q"):format(verdict) or tostring(verdict))
  end
  if reason ~= nil then reason = tostring(reason) end
  return v, reason, report
end

-- runs the script at path; its table, or nil, message
local function run_script(path, what)
  local chunk, err = loadfile(path, "t")
  if not chunk then return nil, err end
  local ok, t = pcall(chunk)
  if not ok then return nil, tostring(t) end
  if type(t) ~= "table" then
    return nil, path .. ": the " .. what .. " script returned no table"
  end
  return t
end

-- load(layout_path [, policy_path]) -> layout, policy | nil, message
function M.load(path, policy_path)
  local t, err = run_script(path, "layout")
  if not t then return nil, err end
  local layout = require "pmemset.layout"
  local problems = layout.problems(t)
  if #problems > 0 then
    return nil, path .. ": " .. layout.format_problems(problems)
  end
  local ok, merged, lent = pcall(layout.lend_policy, t,
                                 path:match("^(.*)/[^/]*$") or ".")
  if not ok then return nil, path .. ": " .. tostring(merged) end
  t = merged
  if t.health == nil and lent then t.health = lent.health end
  local policy
  if policy_path then
    policy, err = run_script(policy_path, "policy")
    if not policy then return nil, err end
  end
  return t, policy
end

function M.file(path, policy_path, default_path)
  local t, policy = M.load(path, policy_path)
  if not t then return nil, policy end
  if not policy and t.health == nil and default_path then
    local err
    policy, err = run_script(default_path, "policy")
    if not policy then return nil, "default health policy: " .. err end
  end
  return M.evaluate(t, policy)
end

return M
