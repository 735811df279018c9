-- host_examples_spec.lua -- every example of lua/examples runs under
-- pmemset-lua (the bad-block and SDS ones on an emulated device) and does
-- what its comments promise; scripts/main-job.sh runs too.

local support = require "spec_support"
local quote, write, read = support.quote, support.write_file, support.read_file

local bin = support.host_program()
local base = assert(os.getenv("PMEMSET_SPEC_TMPDIR"), "PMEMSET_SPEC_TMPDIR unset")
  .. "/examples"
local examples = "lua/examples" -- busted runs in the source directory

local function sh(cmd)
  local p = assert(io.popen(cmd .. " 2>&1"))
  local out = p:read("a")
  local _, _, code = p:close()
  return out, code
end

-- a fresh directory with an emulated device over dir/pmem
local function setup(name, usc, badblocks)
  local dir = base .. "/" .. name
  sh("rm -rf " .. quote(dir) .. " && mkdir -p " .. quote(dir .. "/pmem"))
  local desc = { ("device dimm-0 usc=%d path=%s/pmem"):format(usc, dir) }
  for _, bb in ipairs(badblocks or {}) do
    sh("truncate -s 64K " .. quote(dir .. "/pmem/" .. bb[1]))
    desc[#desc + 1] = ("badblock %s/pmem/%s %d %d"):format(dir, bb[1], bb[2], bb[3])
  end
  write(dir .. "/devices.txt", table.concat(desc, "\n") .. "\n")
  return dir
end

local function run_layout(dir, layout, env)
  local vars = "PMEMSET_EXAMPLE_DIR=" .. quote(dir .. "/pmem")
  for k, v in pairs(env or {}) do
    vars = vars .. " " .. k .. "=" .. quote(v)
  end
  return sh(vars .. " " .. quote(bin) .. " --emulate "
    .. quote(dir .. "/devices.txt") .. " --layout "
    .. quote(examples .. "/" .. layout))
end

describe("examples", function()
  it("bad-block policy clears a bad block in a free range", function()
    local dir = setup("bb-free", 3, { { "pool.a", 8192, 4096 } })
    write(dir .. "/pmem/pool.a", ("x"):rep(64 * 1024))
    local out, code = run_layout(dir, "badblock_layout.lua")
    assert.equal(0, code, out)
    assert.matches("policy: cleared bad block 8192%+4096", out)
    assert.matches("badblocks_cleared", out)
    assert.matches("part_add", out)
    -- gone from the emulated device, and the range reads back as zeros
    assert.not_matches("badblock ", read(dir .. "/devices.txt"))
    local data = read(dir .. "/pmem/pool.a")
    assert.equal(("\0"):rep(4096), data:sub(8193, 12288))
    assert.equal(("x"):rep(8192), data:sub(1, 8192))
  end)

  it("bad-block policy refuses a bad block in live data", function()
    local dir = setup("bb-live", 3, { { "pool.a", 8192, 4096 } })
    local out, code = run_layout(dir, "badblock_layout.lua",
      { PMEMSET_EXAMPLE_LIVE = "1" })
    assert.equal(1, code)
    assert.matches("policy: refused bad block 8192%+4096", out)
    assert.matches("bad block%(s%) remain", out)
    assert.matches("badblock .*pool%.a 8192 4096", read(dir .. "/devices.txt"))
  end)

  it("SDS policy accepts ok and a recoverable interruption", function()
    local dir = setup("sds-ok", 4)
    local out, code = run_layout(dir, "sds_layout.lua")
    assert.equal(0, code, out)
    assert.matches("%sok%s+%S+/pool%.a\n", out)
    assert.matches("%sok_but_interrupted%s+%S+/pool%.b\n", out)
    assert.matches("was not closed cleanly; recovering", out)
    assert.matches("persist SDS of %S+pool%.b: id=dimm%-0 usc=4 refcount=2", out)
  end)

  it("SDS policy refuses a part corrupted by an unsafe shutdown", function()
    local dir = setup("sds-crash", 4)
    local out, code = run_layout(dir, "sds_layout.lua",
      { PMEMSET_EXAMPLE_CRASH = "1" })
    assert.equal(1, code)
    assert.matches("parts%[2%]", out)
    assert.matches("unsafe shutdown of dimm%-0 while in use %(usc 3 %-> 4%)", out)
  end)

  it("layout prototype maps three parts into one part map", function()
    local dir = setup("proto", 0)
    local out, code = sh("PMEMSET_EXAMPLE_DIR=" .. quote(dir .. "/pmem") .. " "
      .. quote(bin) .. " --layout " .. quote(examples .. "/layout_prototype.lua"))
    assert.equal(0, code, out)
    local _, parts = out:gsub("policy: part %d at", "")
    assert.equal(3, parts)
    assert.matches("track: add parts%.0%.size 2097152", out)
    assert.matches("track: delete parts%.2%.size nil", out)
    assert.matches("part maps: 1 %(granularity page, coalescing full%)\n", out)
  end)

  it("scripts/main-job.sh runs the bad-block example", function()
    local out, code = sh("PMEMSET_LUA_BIN=" .. quote(bin) .. " scripts/main-job.sh")
    assert.equal(0, code, out)
    assert.matches("policy: cleared bad block 8192%+4096", out)
    assert.matches("decisions%.%S+pool%.a%.8192\tcleared", out)
  end)
end)
