-- health_spec.lua -- health policies: the source probes (src:device,
-- src:sds_state, src:badblocks), pmemset.health's report and verdicts with
-- the default policy (lua/examples/health_policy.lua), and
-- pmemset-lua --health.

local pmemset = require "pmemset"
local cjson = require "cjson"
local support = require "spec_support"
local quote, read, write = support.quote, support.read_file, support.write_file

local emu = pmemset.emu
local bin = support.host_program()
local default_policy = "lua/examples/health_policy.lua"

local dir, pool, description

-- dir/pool (128K, its first 64K mapped) on device dimm-0 (usc 0)
local function layout_table(extra)
  local t = {
    acceptable_states = { "ok", "ok_but_already_open", "ok_but_interrupted" },
    parts = {
      { file = pool, length = "64K", badblock_detection = true,
        sds = { id = "dimm-0", usc = 0, refcount = 1 } },
      { temporary = dir, length = "4K" },
    },
    on = {
      badblock = function(set, ev)
        if ev.offset >= 65536 then return set:clear_badblock(ev) end
        return false, "bad block in live data"
      end,
    },
  }
  for k, v in pairs(extra or {}) do t[k] = v end
  return t
end

local function layout_source()
  return ([[
print("layout script output")
return {
  acceptable_states = { "ok", "ok_but_already_open", "ok_but_interrupted" },
  parts = {
    { file = %q, length = "64K", badblock_detection = true,
      sds = { id = "dimm-0", usc = 0, refcount = 1 } },
  },
}
]]):format(pool)
end

local function run(args)
  local cmd = { "PMEMSET_EMULATE=" .. quote(description), quote(bin) }
  for _, a in ipairs(args) do cmd[#cmd + 1] = quote(a) end
  local errfile = dir .. "/stderr"
  local p = assert(io.popen(table.concat(cmd, " ") .. " 2>" .. errfile))
  local out = p:read("a")
  local _, _, code = p:close()
  return out, read(errfile), code
end

local default = dofile(default_policy)

describe("health", function()
  setup(function()
    dir = support.scratch()
    pool = dir .. "/pool"
    description = dir .. "/devices.emu"
    write(pool, ("p"):rep(2 * support.K64))
    write(description, "")
    assert(emu.select(description))
    assert(emu.device_add("dimm-0", 0, dir))
  end)

  teardown(function()
    emu.select(nil)
    os.execute("rm -rf " .. quote(dir))
  end)

  after_each(function()
    emu.badblock_remove(pool, 0, 4 * support.K64)
  end)

  describe("source probes", function()
    it("give the device, the state the core would classify and the bad blocks",
      function()
        assert(emu.badblock_add(pool, 8192, 4096))
        assert(emu.badblock_add(pool, 98304, 512))
        local src <close> = assert(pmemset.source.file(pool))
        assert.same({ id = "dimm-0", usc = 0 }, src:device())
        assert.same({ { offset = 8192, length = 4096 },
                      { offset = 98304, length = 512 } }, src:badblocks())
        local none, msg, code = src:sds_state()
        assert.is_nil(none)
        assert.equal("cannot classify the source: the source has no SDS", msg)
        assert.equal("EINVAL", code)
        assert(src:set_sds { id = "dimm-0", usc = 0, refcount = 1 })
        assert.equal("ok_but_interrupted", src:sds_state())
        assert(emu.unsafe_shutdown("dimm-0"))
        assert.equal("corrupted", src:sds_state())
        assert.equal(1, src:device().usc)
        assert(emu.set_usc("dimm-0", 0))
        -- probing cleared nothing and adopted nothing
        assert.equal(2, #src:badblocks())
        assert.equal("ok_but_interrupted", src:sds_state())
      end)

    it("report where the device cannot answer", function()
      local tmp <close> = assert(pmemset.source.temporary("/tmp"))
      local dev, msg, code = tmp:device()
      assert.is_nil(dev)
      assert.matches("does not report unsafe shutdowns", msg)
      assert.equal("PMEMSET_E_SDS_NOSUPP", code)
      local src = assert(pmemset.source.file(pool))
      src:close()
      assert.has_error(function() src:badblocks() end)
    end)
  end)

  describe("pmemset.health", function()
    it("reports the pools without mapping, creating or clearing anything",
      function()
        assert(emu.badblock_add(pool, 8192, 4096))
        assert(emu.badblock_add(pool, 98304, 512))
        local before = read(pool)
        local t = layout_table()
        t.parts[3] = { file = dir .. "/absent", create = "if_needed",
                       length = "4K" }
        local report = pmemset.health_report(t)
        local s = report.sources[1]
        assert.equal(pool, s.file)
        assert.equal(2 * support.K64, s.size)
        assert.same({ offset = 0, length = support.K64 }, s.used)
        assert.same({ id = "dimm-0", usc = 0 }, s.device)
        assert.equal("ok_but_interrupted", s.sds.state)
        assert.equal("accepted", s.sds.decision)
        assert.equal(2, s.badblocks.count)
        assert.equal(4608, s.badblocks.bytes)
        assert.same({ offset = 8192, length = 4096, used = true,
                      decision = "refused", why = "bad block in live data" },
                    s.badblocks.ranges[1])
        assert.same({ offset = 98304, length = 512, used = false,
                      decision = "cleared" }, s.badblocks.ranges[2])
        assert.equal("refused", s.map)
        assert.equal("bad block 8192+4096 refused", s.reason)
        assert.same({ index = 2, temporary = dir, map = "ok" },
                    report.sources[2])
        assert.is_false(report.sources[3].exists)
        assert.equal("ok", report.sources[3].map)
        -- nothing touched
        assert.equal(before, read(pool))
        assert.is_nil(io.open(dir .. "/absent"))
        assert.equal(2, #emu.state().badblocks)
      end)

    it("asks the badblocks_cleared handler once every block is cleared",
      function()
        assert(emu.badblock_add(pool, 98304, 512))
        local t = layout_table()
        t.on.badblocks_cleared = function(_, ev)
          return false, "no scrub of " .. ev.source
        end
        local s = pmemset.health_report(t).sources[1]
        assert.equal("cleared", s.badblocks.ranges[1].decision)
        assert.equal("refused", s.map)
        assert.equal("the badblocks_cleared handler refused: no scrub of "
          .. pool, s.reason)
        t.on.badblocks_cleared = function() return 0 end
        assert.equal("ok", pmemset.health_report(t).sources[1].map)
      end)

    it("gives the default policy's colours", function()
      local t = layout_table()
      local v, why = pmemset.health(t, default)
      assert.equal("green", v)
      assert.equal("2 source(s) healthy", why)
      assert(emu.badblock_add(pool, 98304, 512))
      v, why = pmemset.health(t, default)
      assert.equal("yellow", v)
      assert.matches("1 bad block%(s%), 512 bytes", why)
      assert(emu.badblock_add(pool, 8192, 4096))
      v, why = pmemset.health(t, default)
      assert.equal("red", v)
      assert.equal(pool .. ": bad block 8192+4096 refused", why)
      -- in used data and unchecked (no detection): still red
      emu.badblock_remove(pool, 0, 4 * support.K64)
      assert(emu.badblock_add(pool, 0, 512))
      t.parts[1].badblock_detection = false
      v, why = pmemset.health(t, default)
      assert.equal("red", v)
      assert.equal("bad block 0+512 in the used data of " .. pool, why)
    end)

    it("is red after an unsafe shutdown or a replaced device", function()
      local t = layout_table()
      assert(emu.unsafe_shutdown("dimm-0"))
      local v, why = pmemset.health(t, default)
      assert(emu.set_usc("dimm-0", 0))
      assert.equal("red", v)
      assert.equal(pool .. ": part state corrupted refused: not in "
        .. "acceptable_states", why)
      assert(emu.device_remove("dimm-0"))
      assert(emu.device_add("dimm-1", 1, dir))
      v, why = pmemset.health(t, default)
      assert(emu.device_remove("dimm-1"))
      assert(emu.device_add("dimm-0", 0, dir))
      assert.equal("red", v)
      assert.matches("part state indeterminate refused", why)
      -- a state policy function decides too, with its reason
      t.acceptable_states = function(state)
        return state == "ok", "only clean pools"
      end
      v, why = pmemset.health(t, default)
      assert.equal("red", v)
      assert.equal(pool .. ": part state ok_but_interrupted refused: "
        .. "only clean pools", why)
    end)

    it("takes scores and refuses what is not a verdict", function()
      local t = layout_table()
      assert.equal(-100, pmemset.health(t, { health = function() return -100 end }))
      local v, msg = pmemset.health(t, { health = function() return "blue" end })
      assert.is_nil(v)
      assert.equal('health: expected "green", "yellow", "red" or an '
        .. 'integer, got "blue"', msg)
      v, msg = pmemset.health(t, { health = function() error("boom", 0) end })
      assert.is_nil(v)
      assert.equal("health: boom", msg)
      v, msg = pmemset.health(t, {})
      assert.is_nil(v)
      assert.equal("the policy has no health function", msg)
      local bad = layout_table()
      bad.parts[1].length = "lots"
      v, msg = pmemset.health(bad, default)
      assert.is_nil(v)
      assert.matches('^parts%[1%]%.length: expected a size, got "lots"', msg)
      local ok, err = pcall(pmemset.health_report, bad)
      assert.is_false(ok)
      assert.matches('^parts%[1%]%.length: expected a size, got "lots"', err)
      t.health = function(r) return "yellow", #r.sources end
      local report
      v, msg, report = pmemset.health(t)
      assert.same({ "yellow", "2", 2 }, { v, msg, #report.sources })
    end)
  end)

  describe("pmemset-lua --health", function()
    local layout
    before_each(function()
      layout = dir .. "/layout.lua"
      write(layout, layout_source())
    end)

    it("prints the verdict alone on stdout, exit 0 whatever the colour",
      function()
        local out, err, code = run({ "--health", layout, "--policy",
                                     default_policy })
        assert.equal(0, code)
        assert.equal("green: 1 source(s) healthy\n", out)
        assert.equal("layout script output\n", err)
        assert(emu.badblock_add(pool, 8192, 4096))
        out, err, code = run({ "--health", layout, "--policy", default_policy })
        assert.equal(0, code)
        assert.equal("layout script output\n", err)
        assert.equal("red: " .. pool .. ": bad block 8192+4096 left\n", out)
      end)

    it("prints JSON with the report", function()
      assert(emu.badblock_add(pool, 8192, 4096))
      local out, _, code = run({ "--health", layout, "--policy",
                                 default_policy, "--format", "json" })
      assert.equal(0, code)
      local doc = cjson.decode(out)
      assert.equal("red", doc.verdict)
      local s = doc.report.sources[1]
      assert.equal(1, s.badblocks.count)
      assert.equal("left", s.badblocks.ranges[1].decision)
      assert.equal("dimm-0", s.device.id)
      assert.equal("ok_but_interrupted", s.sds.state)
    end)

    it("uses the layout's policy file, exit 1 when health is unknown",
      function()
        write(dir .. "/own.lua", 'return { health = function() '
          .. 'return 7, "seven" end }')
        write(layout, layout_source():gsub("return {", 'return {\n  policy = '
          .. '"own.lua",', 1))
        local out, _, code = run({ "--health", layout })
        assert.equal(0, code)
        assert.equal("7: seven\n", out)
        write(dir .. "/bad.lua", "return { health = function() return "
          .. "'purple' end }")
        local err
        out, err, code = run({ "--health", layout, "--policy",
                               dir .. "/bad.lua" })
        assert.equal(1, code)
        assert.equal("", out)
        assert.matches("health cannot be determined: health: expected", err)
        write(dir .. "/broken.lua", "return {")
        out, err, code = run({ "--health", dir .. "/broken.lua" })
        assert.equal(1, code)
        assert.equal("", out)
        assert.matches("broken.lua", err)
      end)

    it("runs sandboxed with grants, without JSON (a workbench output)",
      function()
      local sandbox = { "--sandbox", "--allow", dir .. ":rw", "--allow",
                        "lua/examples", "--health", layout, "--policy",
                        default_policy }
      local out, _, code = run(sandbox)
      assert.equal(0, code)
      assert.equal("green: 1 source(s) healthy\n", out)
      local err
      sandbox[#sandbox + 1] = "--format"
      sandbox[#sandbox + 1] = "json"
      out, err, code = run(sandbox)
      assert.equal(2, code)
      assert.equal("", out)
      assert.matches("%-%-format json.* do not run in %-%-sandbox", err)
    end)

    it("leaves health functions to --health: layouts with them still map",
      function()
        write(dir .. "/own.lua", 'return { health = function() '
          .. 'return "red" end }')
        write(layout, layout_source():gsub("return {", 'return {\n  policy = '
          .. '"own.lua", health = function() return "red" end,', 1))
        local set = assert(pmemset.load_layout(layout))
        assert.equal(1, set:count())
        set:close()
        local _, _, code = run({ "--layout", layout })
        assert.equal(0, code)
        write(dir .. "/own.lua", "return { health = 42 }")
        local none, msg = pmemset.load_layout(layout)
        assert.is_nil(none)
        assert.matches("health: expected a function, got 42", msg)
      end)

    it("exits 2 on bad usage", function()
      local _, err, code = run({ "--health" })
      assert.equal(2, code)
      assert.matches("option '%-%-health' requires an argument", err)
      _, err, code = run({ "--policy", default_policy, "-e", "x = 1" })
      assert.equal(2, code)
      assert.matches("%-%-policy: needs %-%-health", err)
      _, err, code = run({ "--health", layout, "--format", "xml" })
      assert.equal(2, code)
      assert.matches('expected text or json, got "xml"', err)
      _, err, code = run({ "--health", layout, "extra" })
      assert.equal(2, code)
      assert.matches("%-%-health runs nothing else", err)
      _, err, code = run({ "--health", layout, "--layout", layout })
      assert.equal(2, code)
      assert.matches("%-%-health runs nothing else", err)
    end)
  end)
end)
