-- SPDX-License-Identifier: BSD-3-Clause
-- reload_spec.lua -- live policy reload (pmemset_lua_reload_policy) through
-- examples/policy_engine.c: SIGHUP during a stream of events swaps the
-- policy between two events; none is lost, none is handled by a policy
-- that failed to load, and a failed reload keeps the old policy.
local support = require "spec_support"
local quote = support.quote

local engine = assert(os.getenv("PMEMSET_BUILD_DIR"), "PMEMSET_BUILD_DIR unset")
  .. "/examples/policy-engine"

-- a policy that prints "<name> <value>" for every set event and refuses
-- the value 13
local function policy(name)
  return ([[
    return { on = { set = function(_, ev)
      print("%s " .. ev.value)
      if ev.value == 13 then return false, "%s refuses 13" end
    end } }]]):format(name, name)
end

-- runs the engine fed by a FIFO: steps are lines to send or functions
-- run by the shell between them (sh code); returns stdout, stderr, status
local function drive(dir, steps)
  local sh = { "set -u", "cd " .. quote(dir), "mkfifo in",
    quote(engine) .. " layout.lua policy.lua <in >out 2>err & pid=$!",
    "exec 3>in",
    -- waits until the engine printed n event lines (or died)
    "upto() { while [ \"$(grep -c '^event' out)\" -lt \"$1\" ]; do "
      .. "kill -0 $pid 2>/dev/null || return 1; sleep 0.02; done; }" }
  for _, s in ipairs(steps) do sh[#sh + 1] = s end
  sh[#sh + 1] = "exec 3>&-; wait $pid; echo $? >status"
  support.write_file(dir .. "/drive.sh", table.concat(sh, "\n") .. "\n")
  assert(os.execute("sh " .. quote(dir .. "/drive.sh")))
  return support.read_file(dir .. "/out"), support.read_file(dir .. "/err"),
    tonumber(support.read_file(dir .. "/status"))
end

local function send(first, last)
  return ("i=%d; while [ $i -le %d ]; do echo \"set $i\" >&3; "
    .. "i=$((i + 1)); done; upto %d"):format(first, last, last)
end

-- rewrites the policy and sends SIGHUP; the engine reloads before it
-- handles the next line
local hups = 0
local function hup(dir, text)
  hups = hups + 1
  local name = ("next%d.lua"):format(hups)
  support.write_file(dir .. "/" .. name, text)
  return ("mv %s policy.lua; kill -HUP $pid"):format(name)
end

local function lines(s)
  local t = {}
  for l in s:gmatch("[^\n]+") do t[#t + 1] = l end
  return t
end

describe("policy reload on SIGHUP", function()
  local dir
  before_each(function()
    dir = support.scratch()
    support.write_file(dir .. "/layout.lua", ([[
      return { parts = { { temporary = %q, length = "64K" } } }]]):format(dir))
    support.write_file(dir .. "/policy.lua", policy("A"))
  end)
  after_each(function() support.rmtree(dir) end)

  it("swaps the policy between two events, losing none", function()
    local out, err, status = drive(dir, {
      send(1, 20), hup(dir, policy("B")), send(21, 40),
    })
    assert.equal(0, status, err)
    local want = { "ready" }
    for i = 1, 40 do
      if i == 21 then want[#want + 1] = "reload: ok" end
      want[#want + 1] = (i <= 20 and "A " or "B ") .. i
      want[#want + 1] = i == 13
        and "event 13: set -> -300001: set handler refused: A refuses 13"
        or ("event %d: set -> 0"):format(i)
    end
    assert.same(want, lines(out))
  end)

  it("keeps the old policy when the new one fails half-way", function()
    local half = [[
      local t = { on = { set = function(_, ev) print("B " .. ev.value) end } }
      error("half written")
      return t]]
    local out, err, status = drive(dir, {
      send(1, 5), hup(dir, half), send(6, 10),
    })
    assert.equal(0, status, err)
    local l = lines(out)
    assert.equal("A 5", l[10])
    assert.matches("^reload: failed: .*half written", l[12])
    for i = 6, 10 do
      assert.equal("A " .. i, l[13 + 2 * (i - 6)])
    end
    assert.equal(1 + 10 * 2 + 1, #l)
  end)

  it("keeps the old policy when the new one is not a valid policy", function()
    local out, err, status = drive(dir, {
      send(1, 3),
      hup(dir, "return { on = { sett = function() end } }"),
      send(4, 6),
      hup(dir, policy("C")),
      send(7, 8),
    })
    assert.equal(0, status, err)
    local l = lines(out)
    assert.matches('^reload: failed: .*on%.sett', l[8])
    assert.equal("A 6", l[13])
    assert.equal("reload: ok", l[15])
    assert.equal("C 7", l[16])
    assert.equal("C 8", l[18])
  end)
end)
