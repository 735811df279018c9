-- SPDX-License-Identifier: BSD-3-Clause
-- workbench_spec.lua -- pmemset-lua's workbench options run as a program:
-- --inventory, --format json (parsed with lua-cjson, a strict parser
-- independent of the encoder), --svg and --check.

local cjson = require "cjson"
local support = require "spec_support"
local quote = support.quote

local bin = support.host_program()

-- run pmemset-lua with args (a list); stdout, stderr, exit code
local function run(dir, args)
  local cmd = { quote(bin) }
  for _, a in ipairs(args) do cmd[#cmd + 1] = quote(a) end
  local errfile = dir .. "/stderr"
  local p = assert(io.popen(table.concat(cmd, " ") .. " 2>" .. errfile))
  local out = p:read("a")
  local _, _, code = p:close()
  return out, support.read_file(errfile), code
end

-- the one JSON document of out (cjson.decode raises on anything else)
local function parse(out)
  local ok, doc = pcall(cjson.decode, out)
  assert(ok, "not one JSON document: " .. tostring(doc) .. "\n" .. out)
  return doc
end

describe("pmemset-lua --inventory", function()
  local dir, emu
  before_each(function()
    dir = support.scratch()
    emu = dir .. "/devices.emu"
    support.write_file(emu, ("device dimm-0 usc=7 path=%s\n"
      .. "device dimm-1 path=%s/b\n"):format(dir .. "/a", dir))
  end)
  after_each(function() support.rmtree(dir) end)

  it("lists the emulated DIMMs with health and usc as text", function()
    local out, err, code = run(dir, { "--emulate", emu, "--inventory" })
    assert.equal(0, code, err)
    assert.matches("dimms: 2\n", out, 1, true)
    assert.matches(("  dimm-0       id=dimm-0 health=ok usc=7 emulated path=%s/a\n")
      :format(dir), out, 1, true)
    assert.matches("  dimm-1       id=dimm-1 health=ok usc=0 emulated", out, 1,
                   true)
  end)

  it("prints one JSON document in ndctl's shape", function()
    local out, err, code = run(dir, { "--emulate", emu, "--inventory",
                                      "--format", "json" })
    assert.equal(0, code, err)
    local doc = parse(out)
    assert.same({}, doc.buses)
    assert.same({}, doc.regions)
    assert.equal(2, #doc.dimms)
    assert.same({ dev = "dimm-0", id = "dimm-0", emulated = true,
                  path = dir .. "/a",
                  health = { health_state = "ok", shutdown_count = 7 } },
                doc.dimms[1])
    assert.equal(0, doc.dimms[2].health.shutdown_count)
  end)

  it("lists nothing emulated without a description", function()
    local out, err, code = run(dir, { "--inventory", "--format", "json" })
    assert.equal(0, code, err)
    for _, d in ipairs(parse(out).dimms) do assert.is_nil(d.emulated) end
  end)

  it("refuses an unknown format with exit 2", function()
    local _, err, code = run(dir, { "--inventory", "--format", "xml" })
    assert.equal(2, code)
    assert.matches('--format: expected text or json, got "xml"', err, 1, true)
  end)

  it("is listed by --help", function()
    local out = run(dir, { "--help" })
    assert.matches("--inventory", out, 1, true)
    assert.matches("--format FMT", out, 1, true)
  end)
end)

describe("pmemset.access and pmemset.file_size", function()
  local pmemset = require "pmemset"
  local dir
  before_each(function() dir = support.scratch() end)
  after_each(function() support.rmtree(dir) end)

  it("answer without touching the file", function()
    local f = dir .. "/a"
    support.write_file(f, "12345")
    assert.is_true(pmemset.access(f, "rw"))
    assert.is_true(pmemset.access(dir, "rwx"))
    assert.is_true(pmemset.access(f, ""))
    assert.equal(5, pmemset.file_size(f))
    assert.equal("12345", support.read_file(f))
  end)

  it("fail with the path, the reason and the errno name", function()
    local missing = dir .. "/none/a"
    assert.same({ nil, missing .. ": No such file or directory", "ENOENT" },
                { pmemset.access(missing, "w") })
    assert.same({ nil, missing .. ": No such file or directory", "ENOENT" },
                { pmemset.file_size(missing) })
    assert.same({ nil, dir .. ": Is a directory", "EISDIR" },
                { pmemset.file_size(dir) })
    assert.has_error(function() pmemset.access(dir, "rq") end,
      "bad argument #2 to 'access' (expected letters of \"rwx\")")
    assert.has_error(function() pmemset.file_size() end)
  end)
end)
