-- SPDX-License-Identifier: BSD-3-Clause
-- pmemset.workbench -- what pmemset-lua's workbench options print, as Lua
-- functions the CLI calls (src/cli/workbench.c) and embedders may call
-- too. Each returns the text to print and the exit status (0 ok, 1 a
-- problem was found or an operation failed).
--
--   workbench.inventory(format)   --inventory [--format text|json]

local core = require "pmemset.core"
local json = require "pmemset.json"

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

-- inventory(format) -> text, status: the machine's persistent memory and
-- the emulated devices, as text or JSON (docs/json.md)
function M.inventory(format)
  local inv, err = core.inventory()
  if not inv then return "cannot read the inventory: " .. err, 1 end
  if format == "json" then
    return json.encode(json.inventory(inv)), 0
  end
  return inventory_text(inv), 0
end

return M
