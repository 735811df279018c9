-- SPDX-License-Identifier: BSD-3-Clause
-- lua_events.lua -- the cost of Lua event handlers per event.
--
--   LUA_CPATH="<build>/lua/?.so;;" LUA_PATH="lua/?.lua;lua/?/init.lua;;" \
--     lua5.4 bench/lua_events.lua [iterations] [dir]
--
-- Each case calls set:drain() (one DRAIN event each, nothing else: drain
-- is a no-op for page granularity) on a set with one mapped part, and
-- prints CPU ns per call; the per-event cost of a case is its time minus
-- the time of the same loop on a set without handlers. The best of
-- several rounds is kept to damp noise.
local pmemset = require "pmemset"

local N = tonumber(arg[1]) or 2000000
local dir = arg[2] or os.getenv("TMPDIR") or "/tmp"
local ROUNDS = 5

local function with_set(opts, body)
  local src = assert(pmemset.source.temporary(dir))
  opts.granularity = "page"
  local set <close> = assert(pmemset.new(opts))
  local part = assert(set:map(src, { length = "64K" }))
  src:close()
  return body(set, part)
end

local function time_drains(set)
  local best = math.huge
  for _ = 1, ROUNDS do
    local t0 = os.clock()
    for _ = 1, N do set:drain() end
    best = math.min(best, os.clock() - t0)
  end
  return best / N * 1e9
end

local function time_writes(_, part)
  local best = math.huge
  for _ = 1, ROUNDS do
    local t0 = os.clock()
    for _ = 1, N do part:write(0, "x", { "nodrain", "noflush" }) end
    best = math.min(best, os.clock() - t0)
  end
  return best / N * 1e9
end

local count = 0
local function handler() count = count + 1 end
local function reading_handler(_, ev)
  if ev.type == "drain" then count = count + 1 end
end

local function report(name, ns, base)
  if base then
    print(("%-44s %8.1f ns/call  %+8.1f ns/event"):format(name, ns, ns - base))
  else
    print(("%-44s %8.1f ns/call"):format(name, ns))
  end
end

local function time_floor()
  local best = math.huge
  local empty = function() end
  for _ = 1, ROUNDS do
    local t0 = os.clock()
    for _ = 1, N do pcall(empty) end
    best = math.min(best, os.clock() - t0)
  end
  return best / N * 1e9
end

print(("lua_events: %d iterations, best of %d rounds (CPU time)"):format(N, ROUNDS))
print("(bench_lua_events, a C program, puts the module and the host side by side"
  .. " against a bare lua_pcall)")
report("floor: pcall of an empty function from Lua", time_floor())
local base = with_set({}, time_drains)
report("drain, no handlers (baseline)", base)
report("drain, unsubscribed kind (on.part_add only)",
  with_set({ on = { part_add = handler } }, time_drains), base)
count = 0
report("drain, subscribed empty handler (on.drain)",
  with_set({ on = { drain = handler } }, time_drains), base)
assert(count == N * ROUNDS, "handler calls went missing")
report("drain, subscribed handler reading ev.type",
  with_set({ on = { drain = reading_handler } }, time_drains), base)
report("drain, on_event (all kinds)",
  with_set({ on_event = handler }, time_drains), base)

local wbase = with_set({}, time_writes)
report("1-byte write, no handlers (baseline)", wbase)
report("1-byte write, subscribed copy handler",
  with_set({ on = { copy = handler } }, time_writes), wbase)
