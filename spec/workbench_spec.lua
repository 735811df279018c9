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
    assert.equal(f, pmemset.realpath(dir .. "/./a"))
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
    assert.same({ nil, missing .. ": No such file or directory", "ENOENT" },
                { pmemset.realpath(missing) })
    assert.has_error(function() pmemset.access(dir, "rq") end,
      "bad argument #2 to 'access' (expected letters of \"rwx\")")
    assert.has_error(function() pmemset.file_size() end)
  end)
end)

-- a scratch directory with an emulated device (id dimm-0, usc 4) over
-- dir/pmem, the examples' PMEMSET_EXAMPLE_DIR
local function example_dir()
  local dir = support.scratch()
  assert(os.execute("mkdir " .. quote(dir .. "/pmem")))
  support.write_file(dir .. "/devices.emu",
    ("device dimm-0 usc=4 path=%s/pmem\n"):format(dir))
  return dir
end

-- runs pmemset-lua as the examples expect (emulated device, example dir)
local function run_example(dir, args)
  local cmd = { "PMEMSET_EXAMPLE_DIR=" .. quote(dir .. "/pmem"), quote(bin),
                "--emulate", quote(dir .. "/devices.emu") }
  for _, a in ipairs(args) do cmd[#cmd + 1] = quote(a) end
  local p = assert(io.popen(table.concat(cmd, " ") .. " 2>" .. quote(dir .. "/err")))
  local out = p:read("a")
  local _, _, code = p:close()
  return out, support.read_file(dir .. "/err"), code
end

local function rmtree(dir) os.execute("rm -rf " .. quote(dir)) end

describe("pmemset-lua --check", function()
  local dir
  before_each(function() dir = example_dir() end)
  after_each(function() rmtree(dir) end)

  local layouts = { "badblock_layout.lua", "sds_layout.lua",
                    "layout_prototype.lua" }

  it("accepts every example, and every example then maps", function()
    for _, l in ipairs(layouts) do
      local out, err, code = run_example(dir, { "--check", "lua/examples/" .. l })
      assert.equal(0, code, l .. ": " .. out .. err)
      assert.equal("", out)
      assert.same({ "devices.emu", "err", "pmem" }, support.entries(dir))
      out, err, code = run_example(dir, { "--layout", "lua/examples/" .. l })
      assert.equal(0, code, l .. ": " .. out .. err)
      os.execute("rm -f " .. quote(dir .. "/pmem") .. "/*")
    end
    for _, p in ipairs { "badblock_policy.lua", "sds_policy.lua",
                         "prototype_policy.lua" } do
      local out, err, code = run_example(dir, { "--check", "lua/examples/" .. p })
      assert.equal(0, code, p .. ": " .. out .. err)
    end
  end)

  it("takes a layout and a policy together (the health agent's call)", function()
    local out, err, code = run_example(dir, { "--check",
      "lua/examples/sds_layout.lua", "lua/examples/sds_policy.lua" })
    assert.equal(0, code, out .. err)
    assert.equal("", out)
  end)

  it("lists every problem as file:line: path: message and exits 1", function()
    local layout = dir .. "/bad_layout.lua"
    support.write_file(dir .. "/small.pool", ("s"):rep(4096))
    support.write_file(layout, ([[
return {
  granularty = "page",
  policy = "bad_policy.lua",
  parts = {
    { file = %q, lenght = "64K" },
  },
}]]):format(dir .. "/pmem/a.pool"))
    support.write_file(dir .. "/bad_policy.lua", [[
return {
  acceptable_states = { "ok", "fine" },
}]])
    local files = dir .. "/files_layout.lua"
    support.write_file(files, ([[
return {
  reservation = "128K",
  parts = {
    { file = %q, create = "if_needed", length = "64K" },
    { file = %q },
    { file = %q, grow = false, length = "64K" },
    { temporary = %q, length = "64K" },
  },
}]]):format(dir .. "/none/a.pool", dir .. "/missing.pool",
            dir .. "/small.pool", dir .. "/nodir"))
    local before = support.entries(dir)
    local out, _, code = run_example(dir, { "--check", layout, files })
    assert.equal(1, code)
    local want = {
      layout .. ':2: layout.granularty: unknown field (did you mean "granularity"?)',
      layout .. ':5: parts[1].lenght: unknown field (did you mean "length"?)',
      dir .. '/bad_policy.lua:2: acceptable_states[2]: expected one of '
        .. '"indeterminate", "ok", "ok_but_already_open", "ok_but_interrupted", '
        .. '"corrupted", got "fine"',
      files .. ": parts[1].file: cannot create it: " .. dir
        .. "/none: No such file or directory",
      files .. ": parts[2].file: " .. dir
        .. "/missing.pool does not exist (create is never)",
      files .. ": parts[3].length: needs 65536 bytes of " .. dir
        .. "/small.pool, which has 4096 and grow is false",
      files .. ":7: parts[4].temporary: " .. dir
        .. "/nodir: No such file or directory",
      files .. ":2: reservation: the parts need 196608 bytes, more than "
        .. "the reservation's 131072",
    }
    local lines = {}
    for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
    assert.same(want, lines)
    -- nothing created or changed
    local after = support.entries(dir)
    assert.same(before, (function()
      local t = {}
      for _, e in ipairs(after) do if e ~= "err" then t[#t + 1] = e end end
      return t
    end)())
    assert.equal(("s"):rep(4096), support.read_file(dir .. "/small.pool"))
  end)

  it("refuses SDS on a file no device counts unsafe shutdowns of", function()
    local layout = dir .. "/sds.lua"
    support.write_file(layout, ([[
return { parts = {
  { file = %q, create = "if_needed", length = "64K", sds = true },
  { file = %q, create = "if_needed", length = "64K", sds = true },
} }]]):format(dir .. "/plain.pool", dir .. "/pmem/ok.pool"))
    local out, _, code = run_example(dir, { "--check", layout })
    assert.equal(1, code)
    assert.equal(layout .. ": parts[1].sds: " .. dir .. "/plain.pool is on no "
      .. "device with an unsafe-shutdown count (no NVDIMM, no emulated device)\n",
      out)
  end)

  it("reports scripts that do not load or run, with their line", function()
    support.write_file(dir .. "/syntax.lua", "return {\n  parts = {\n")
    support.write_file(dir .. "/raises.lua", "local x = 1\nerror('boom')\n")
    local out, _, code = run_example(dir, { "--check", dir .. "/syntax.lua",
      dir .. "/raises.lua", dir .. "/none.lua" })
    assert.equal(1, code)
    assert.equal(table.concat({
      dir .. "/syntax.lua:3: syntax: unexpected symbol near <eof>",
      dir .. "/raises.lua:2: run: boom",
      dir .. "/none.lua: cannot read it: " .. dir
        .. "/none.lua: No such file or directory",
    }, "\n") .. "\n", out)
  end)

  it("reports the line of a script whose path Lua shortens", function()
    -- Lua names a chunk by "..." and the tail of a path longer than 60 bytes
    local deep = dir .. "/" .. ("d"):rep(70)
    assert(os.execute("mkdir " .. quote(deep)))
    support.write_file(deep .. "/syntax.lua", "return {\n  parts = {\n")
    local out, _, code = run_example(dir, { "--check", deep .. "/syntax.lua" })
    assert.equal(1, code)
    assert.equal(deep .. "/syntax.lua:3: syntax: unexpected symbol near <eof>\n",
      out)
  end)

  it("reports a script that returns no table, and goes on", function()
    support.write_file(dir .. "/empty.lua", "")
    support.write_file(dir .. "/number.lua", "return 5\n")
    local out, _, code = run_example(dir, { "--check", dir .. "/empty.lua",
      dir .. "/number.lua", "lua/examples/sds_layout.lua" })
    assert.equal(1, code)
    assert.equal(table.concat({
      dir .. "/empty.lua: the script returns nothing, not a layout or policy table",
      dir .. "/number.lua: the script returns a number, not a layout or policy table",
    }, "\n") .. "\n", out)
  end)

  it("does not run in the sandbox: exit 2", function()
    local _, err, code = run_example(dir, { "--sandbox", "--check",
      "lua/examples/sds_layout.lua" })
    assert.equal(2, code)
    assert.matches("do not run in --sandbox", err, 1, true)
  end)

  it("needs a file: exit 2", function()
    local _, err, code = run_example(dir, { "--check" })
    assert.equal(2, code)
    assert.matches("--check: no file to check", err, 1, true)
  end)
end)

describe("pmemset-lua --layout --format json", function()
  local dir
  before_each(function() dir = example_dir() end)
  after_each(function() rmtree(dir) end)

  it("prints one document with the run's parts, maps, gaps and keys", function()
    local out, err, code = run_example(dir, { "--layout",
      "lua/examples/layout_prototype.lua", "--format", "json" })
    assert.equal(0, code, err)
    -- the policy's and the tracker's prints went to stderr
    assert.matches("policy: part 1 at", err, 1, true)
    local doc = parse(out)
    assert.is_true(doc.ok)
    assert.equal("page", doc.granularity)
    assert.equal("full", doc.coalescing)
    assert.equal(1024 * 1024 * 1024, doc.reservation.size)
    assert.equal(3, #doc.parts)
    local sizes = { 2 * 1024 * 1024, 64 * 1024, 256 * 1024 }
    local at = doc.reservation.addr
    for i, p in ipairs(doc.parts) do
      assert.equal(i, p.index)
      assert.equal(sizes[i], p.size)
      assert.equal(at, p.addr) -- coalesced: one after the other
      assert.equal(1, p.part_map)
      assert.equal(p.addr, doc.keys[("parts.%d.addr"):format(i - 1)])
      assert.equal(p.size, doc.keys[("parts.%d.size"):format(i - 1)])
      at = at + p.size
    end
    assert.equal(dir .. "/pmem/data.pool", doc.parts[1].file)
    assert.is_true(doc.parts[3].temporary)
    -- the files on disk are those the document names, as large
    assert.equal(sizes[1], #support.read_file(doc.parts[1].file))
    assert.equal(sizes[2], #support.read_file(doc.parts[2].file))
    assert.same({ { addr = doc.reservation.addr, size = at - doc.reservation.addr,
                    parts = { 1, 2, 3 } } }, doc.part_maps)
    assert.same({ { addr = at, size = doc.reservation.addr
                    + doc.reservation.size - at } }, doc.gaps)
    assert.equal(3, #doc.events)
    assert.equal("part_add", doc.events[1].type)
    assert.equal(doc.parts[2].addr, doc.events[2].addr)
    assert.same({}, doc.badblocks)
    assert.same({ index = 1, path = dir .. "/pmem/data.pool" }, doc.sources[1])
    assert.equal(3, #doc.sources)
  end)

  it("gives states, bad blocks and decisions of a policy", function()
    support.write_file(dir .. "/pmem/pool.a", ("x"):rep(65536))
    local emu = support.read_file(dir .. "/devices.emu")
    support.write_file(dir .. "/devices.emu", emu .. ("badblock %s/pmem/pool.a 8192 4096\n")
      :format(dir))
    local out, err, code = run_example(dir, { "--layout",
      "lua/examples/badblock_layout.lua", "--format", "json" })
    assert.equal(0, code, err)
    local doc = parse(out)
    assert.same({ { file = dir .. "/pmem/pool.a", offset = 8192, length = 4096,
                    cleared = true } }, doc.badblocks)
    local d = doc.decisions[1]
    assert.equal("badblock", d.kind)
    assert.is_true(d.accepted)
    assert.equal("cleared", doc.keys["decisions." .. dir .. "/pmem/pool.a.8192"])
    assert.equal(16384, doc.keys["free." .. dir .. "/pmem/pool.a.0"])
  end)

  it("says why a layout failed, still as one document, exit 1", function()
    support.write_file(dir .. "/pmem/pool.a", ("x"):rep(65536))
    local emu = support.read_file(dir .. "/devices.emu")
    support.write_file(dir .. "/devices.emu", emu .. ("badblock %s/pmem/pool.a 32768 4096\n")
      :format(dir))
    local out, _, code = run_example(dir, { "--layout",
      "lua/examples/badblock_layout.lua", "--format", "json" })
    assert.equal(1, code)
    local doc = parse(out)
    assert.is_false(doc.ok)
    assert.matches("parts%[1%]", doc.error)
    assert.is_false(doc.decisions[1].accepted)
    assert.equal("bad block in live data", doc.decisions[1].why)
    assert.is_nil(doc.parts[1].addr)
  end)

  it("prints one document only: --layout or --inventory (exit 2)", function()
    local _, err, code = run_example(dir, { "--layout",
      "lua/examples/layout_prototype.lua", "--inventory", "--format", "json" })
    assert.equal(2, code)
    assert.matches("prints one document", err, 1, true)
  end)
end)

describe("pmemset-lua --svg", function()
  local dir
  before_each(function() dir = example_dir() end)
  after_each(function() rmtree(dir) end)

  it("writes a picture of the layout that rsvg-convert renders", function()
    local svgfile = dir .. "/layout.svg"
    local out, err, code = run_example(dir, { "--layout",
      "lua/examples/sds_layout.lua", "--svg", svgfile })
    assert.equal(0, code, err)
    assert.matches("svg: " .. svgfile, out, 1, true)
    local doc = support.read_file(svgfile)
    assert.truthy(doc:find("2 parts in 1 part map", 1, true)
      or doc:find("2 parts in 2 part maps", 1, true))
    assert.truthy(doc:find("/pmem/pool.a<", 1, true))
    assert.truthy(doc:find(">ok_but_interrupted<", 1, true))
    assert.truthy(doc:find(">64 KiB<", 1, true))
    local png = dir .. "/layout.png"
    assert(os.execute(("rsvg-convert %s -o %s"):format(quote(svgfile), quote(png))))
    local data = support.read_file(png)
    assert.equal("\137PNG\r\n\26\n", data:sub(1, 8))
    local w, h = string.unpack(">I4>I4", data, 17)
    assert.equal(1040, w)
    assert.equal(tonumber(doc:match('<svg[^>]- height="(%d+)"')), h)
  end)

  it("needs --layout: exit 2", function()
    local _, err, code = run_example(dir, { "--svg", dir .. "/x.svg", "-e", "" })
    assert.equal(2, code)
    assert.matches("--svg: needs --layout", err, 1, true)
  end)
end)
