-- parity_spec.lua -- one layout dialect: every layout of lua/examples maps
-- alike through the four entry points, pmemset.load_layout,
-- pmemset.layout, pmemset_lua_map_layout (pmemset-lua --layout) and the
-- host's interpreter; each run is a fresh process on a fresh emulated
-- device, and prints the size of the part map holding each part.

local support = require "spec_support"
local quote, write = support.quote, support.write_file

local bin = support.host_program()
local base = assert(os.getenv("PMEMSET_SPEC_TMPDIR"), "PMEMSET_SPEC_TMPDIR unset")
  .. "/parity"
local examples = "lua/examples" -- busted runs in the source directory

local function sh(cmd)
  local p = assert(io.popen(cmd .. " 2>&1"))
  local out = p:read("a")
  local _, _, code = p:close()
  return out, code
end

-- what each example needs: the device's usc and bad blocks of pool.a
local setups = {
  ["badblock_layout.lua"] = { usc = 3, badblock = true },
  ["sds_layout.lua"] = { usc = 4 },
  ["layout_prototype.lua"] = { usc = 1 },
}

local function setup(name, how)
  local dir = base .. "/" .. name
  sh("rm -rf " .. quote(dir) .. " && mkdir -p " .. quote(dir .. "/pmem"))
  local desc = { ("device dimm-0 usc=%d path=%s/pmem"):format(how.usc, dir) }
  if how.badblock then
    sh("truncate -s 64K " .. quote(dir .. "/pmem/pool.a"))
    desc[#desc + 1] = ("badblock %s/pmem/pool.a 8192 4096"):format(dir)
  end
  write(dir .. "/devices.txt", table.concat(desc, "\n") .. "\n")
  return dir
end

-- outside the host a table stands in for its keys (the examples keep
-- application data there)
local stand_in = [==[
local keys = {}
host = {
  get = function(k) return keys[k] end,
  set = function(k, v) keys[k] = v end,
  track = function() end,
  keys = function(prefix)
    local list = {}
    for k in pairs(keys) do
      if k:sub(1, #prefix) == prefix then list[#list + 1] = k end
    end
    table.sort(list)
    local i = 0
    return function() i = i + 1 return list[i], keys[list[i]] end
  end,
}
]==]

local report = [[
assert(set, parts)
local sizes = {}
for i = 1, #parts do sizes[i] = parts[i].size end
print("maps: " .. table.concat(sizes, ","))
]]

local function env_of(dir)
  return "PMEMSET_EXAMPLE_DIR=" .. quote(dir .. "/pmem") .. " PMEMSET_EMULATE="
    .. quote(dir .. "/devices.txt")
end

local entries = {
  load_layout = function(dir, layout)
    local code = stand_in .. "local pmemset = require 'pmemset'\n"
      .. ("local set, parts = pmemset.load_layout(%q)\n"):format(examples .. "/" .. layout)
      .. report
    return sh(env_of(dir) .. " lua5.4 -e " .. quote(code))
  end,
  layout = function(dir, layout)
    -- a table: policy is relative to the current directory
    local code = stand_in .. "local pmemset = require 'pmemset'\n"
      .. ("local set, parts = pmemset.layout(dofile(%q))\n"):format(layout)
      .. report
    local paths = ("LUA_PATH=%s LUA_CPATH=%s"):format(
      quote("../pmemset/?.lua;../?/init.lua;" .. (os.getenv("LUA_PATH") or "") .. ";;"),
      quote(os.getenv("LUA_CPATH") or ";;"))
    return sh("cd " .. examples .. " && " .. paths .. " " .. env_of(dir)
      .. " lua5.4 -e " .. quote(code))
  end,
  map_layout = function(dir, layout)
    local out, code = sh(env_of(dir) .. " " .. quote(bin) .. " --layout "
      .. quote(examples .. "/" .. layout))
    local sizes = {}
    for size in out:gmatch("\n  %d+%s+%d+%s+(%d+)%s+0x") do sizes[#sizes + 1] = size end
    return out .. "\nmaps: " .. table.concat(sizes, ",") .. "\n", code
  end,
  host_load_layout = function(dir, layout)
    local code = "local pmemset = require 'pmemset'\n"
      .. ("local set, parts = pmemset.load_layout(%q)\n"):format(examples .. "/" .. layout)
      .. report
    return sh(env_of(dir) .. " " .. quote(bin) .. " -e " .. quote(code))
  end,
}

describe("one layout dialect", function()
  for layout, how in pairs(setups) do
    it(layout .. " maps alike through every entry point", function()
      local seen = {}
      for name, run in pairs(entries) do
        local dir = setup(layout .. "-" .. name, how)
        local out, code = run(dir, layout)
        assert.equal(0, code, name .. ": " .. out)
        seen[name] = out:match("\nmaps: ([%d,]+)\n") or out:match("^maps: ([%d,]+)\n")
        assert.is_string(seen[name], name .. ": " .. out)
      end
      assert.equal(seen.load_layout, seen.layout)
      assert.equal(seen.load_layout, seen.map_layout)
      assert.equal(seen.load_layout, seen.host_load_layout)
    end)
  end

  it("covers every layout of lua/examples", function()
    local p = assert(io.popen("ls " .. examples))
    for f in p:lines() do
      if f:match("layout") then assert.is_table(setups[f], f) end
    end
    p:close()
  end)
end)
