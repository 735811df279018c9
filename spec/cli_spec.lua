-- cli_spec.lua -- the command-line host pmemset-lua, run as a program:
-- options, script arguments, --layout output, errors and exit status.

local support = require "spec_support"
local quote, write = support.quote, support.write_file

local bin = support.host_program()
local tmp = assert(os.getenv("PMEMSET_SPEC_TMPDIR"), "PMEMSET_SPEC_TMPDIR unset")
  .. "/cli"
os.execute("mkdir -p '" .. tmp .. "'")

-- run pmemset-lua with args (a list); stdout, stderr, exit code
local function run(args, env)
  local cmd = {}
  for k, v in pairs(env or {}) do
    cmd[#cmd + 1] = k .. "=" .. quote(v)
  end
  cmd[#cmd + 1] = quote(bin)
  for _, a in ipairs(args) do
    cmd[#cmd + 1] = quote(a)
  end
  local errfile = tmp .. "/stderr"
  local p = assert(io.popen(table.concat(cmd, " ") .. " 2>" .. errfile))
  local out = p:read("a")
  local _, _, code = p:close()
  return out, support.read_file(errfile), code
end

describe("pmemset-lua", function()
  it("prints help and version, exit 0", function()
    local out, _, code = run({ "--help" })
    assert.equal(0, code)
    assert.matches("usage: pmemset%-lua", out)
    assert.matches("%-%-layout", out)
    assert.matches("%-%-emulate", out)
    out, _, code = run({ "-V" })
    assert.equal(0, code)
    assert.matches("^pmemset%-lua %d+%.%d+%.%d+ %(Lua 5%.4", out)
  end)

  it("rejects bad usage with exit 2", function()
    local _, err, code = run({})
    assert.equal(2, code)
    assert.matches("nothing to run", err)
    _, err, code = run({ "--bogus" })
    assert.equal(2, code)
    assert.matches("usage:", err)
  end)

  it("runs -e chunks in order with the module and host available", function()
    local out, _, code = run({ "-e", "x = 1", "-e",
      "print(x + 1, type(require('pmemset').new), type(host.track))" })
    assert.equal(0, code)
    assert.equal("2\tfunction\tfunction\n", out)
  end)

  it("passes script arguments in arg and as varargs", function()
    local script = tmp .. "/args.lua"
    write(script, "print(select('#', ...), table.concat({...}, '|'), arg[0] == "
      .. ("%q"):format(script) .. ", #arg, arg[3])")
    -- options after the script belong to the script
    local out, _, code = run({ script, "a b", "-e", "--help" })
    assert.equal(0, code)
    assert.equal("3\ta b|-e|--help\ttrue\t3\t--help\n", out)
  end)

  it("prints a traceback and exits 1 on errors", function()
    local script = tmp .. "/fail.lua"
    write(script, "local function f() error('kaboom') end\nf()\n")
    local out, err, code = run({ script })
    local _
    assert.equal(1, code)
    assert.equal("", out)
    assert.matches("fail%.lua:1: kaboom", err)
    assert.matches("stack traceback:", err)
    assert.matches("in local 'f'", err)

    _, err, code = run({ "-e", "syntax error here" })
    assert.equal(1, code)
    assert.matches("command line", err)

    _, err, code = run({ tmp .. "/missing.lua" })
    assert.equal(1, code)
    assert.matches("missing%.lua", err)
  end)

  it("stops at the first failing chunk", function()
    local out, _, code = run({ "-e", "error('first')", "-e", "print('second')" })
    assert.equal(1, code)
    assert.equal("", out)
  end)

  it("maps a layout and prints its parts and events", function()
    local pool = tmp .. "/layout.pool"
    os.remove(pool)
    local layout = tmp .. "/layout.lua"
    write(layout, ([[
return {
  coalescing = "opportunistic",
  parts = {
    { file = %q, create = "if_needed", length = "64K" },
    { file = %q, offset = "64K", length = "128K" },
  },
}]]):format(pool, pool))
    local out, err, code = run({ "--layout", layout,
      "-e", "print('size1=' .. host.get('parts.1.size'))" })
    assert.equal("", err)
    assert.equal(0, code)
    assert.matches("parts:\n", out)
    local rows = {}
    for n, addr, size, offset, state, src in out:gmatch(
        "\n  (%d+)%s+%d+%s+%d+%s+0x(%x+)%s+(%d+)%s+(%d+)%s+(%S+)%s+(%S+)") do
      rows[#rows + 1] = { n = n, addr = addr, size = tonumber(size),
        state = state, src = src, offset = tonumber(offset) }
    end
    assert.equal(2, #rows)
    assert.same({ 65536, 131072 }, { rows[1].size, rows[2].size })
    assert.same({ 0, 65536 }, { rows[1].offset, rows[2].offset })
    assert.equal(pool, rows[1].src)
    assert.equal(pool, rows[2].src)
    assert.equal("-", rows[1].state)
    local _, adds = out:gsub("\n  part_add ", "")
    assert.equal(2, adds)
    assert.matches("size1=131072", out)
    -- the file grew to hold both parts
    local f = assert(io.open(pool))
    assert.equal(192 * 1024, f:seek("end"))
    f:close()
  end)

  it("lists the parts of a layout in part order, 10 after 9", function()
    local layout = tmp .. "/twelve.lua"
    write(layout, ([[
      local parts = {}
      for i = 1, 12 do parts[i] = { temporary = %q, length = "4K" } end
      return { granularity = "page", parts = parts }
    ]]):format(tmp))
    local out, _, code = run({ "--layout", layout })
    assert.equals(0, code)
    local order = {}
    for n in out:gmatch("\n  (%d+)%s+%d+%s+%d+%s+0x") do order[#order + 1] = tonumber(n) end
    assert.same({ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }, order)
  end)

  it("reports a failing layout with the part and exit 1", function()
    local layout = tmp .. "/bad-layout.lua"
    write(layout, ([[
return { parts = { { file = %q, length = "64K" } } }]]):format(
      tmp .. "/no-such.pool"))
    local out, err, code = run({ "--layout", layout })
    assert.equal(1, code)
    assert.matches("parts%[1%]", err)
    assert.matches("no%-such%.pool", err)
    assert.equal("", out) -- no report after a failed layout
  end)

  it("exits 1 when a handler raises, 0 when it only refuses", function()
    local layout = tmp .. "/raising.lua"
    write(layout, ([[
return { parts = { { temporary = %q, length = "64K" } },
  on = { part_add = function() error("handler broke") end } }]]):format(tmp))
    local out, err, code = run({ "--layout", layout })
    assert.equal(1, code)
    assert.matches("handler broke", out .. err)
    write(layout, ([[
return { parts = { { temporary = %q, length = "64K" } },
  on = { part_add = function() return false, "not today" end } }]]):format(tmp))
    out, err, code = run({ "--layout", layout })
    assert.equal(0, code)
    assert.equal("", err)
    assert.matches("part_add", out)
  end)

  it("undoes a failed layout in a sandbox too (no os.remove for scripts)", function()
    local made = tmp .. "/sandboxed.pool"
    os.remove(made)
    local layout = tmp .. "/sandboxed.lua"
    write(layout, ([[
return { parts = { { file = %q, create = "always", length = "64K" },
                   { file = %q, length = "64K" } } }]]):format(made, made .. ".missing"))
    local out, err, code = run({ "--sandbox", "--allow", tmp .. ":rw",
      "--layout", layout })
    assert.equal(1, code)
    assert.equal("", out)
    assert.matches("parts%[2%]", err)
    assert.is_nil(io.open(made))
  end)

  it("exits 1 on an invalid layout, naming every problem", function()
    local layout = tmp .. "/invalid.lua"
    write(layout, [[
return { granularty = "page", parts = { { file = "x", lenght = "64K" } } }]])
    local out, err, code = run({ "--layout", layout })
    assert.equal(1, code)
    assert.equal("", out)
    assert.matches('layout.granularty: unknown field %(did you mean "granularity"%?%)', err)
    assert.matches('parts%[1%].lenght: unknown field %(did you mean "length"%?%)', err)
  end)

  it("exits 1 when a script raises and 2 on a missing option argument", function()
    local _, err, code = run({ "-e", "error('boom')" })
    assert.equal(1, code)
    assert.matches("boom", err)
    _, _, code = run({ "--layout" })
    assert.equal(2, code)
  end)

  it("runs sandboxed on request", function()
    local out, _, code = run({ "--sandbox", "-e",
      "print(os.execute, io, package, debug)" })
    assert.equal(0, code)
    assert.equal("nil\tnil\tnil\tnil\n", out)
    local _, err
    _, err, code = run({ "--sandbox", "-e", "os.execute('true')" })
    assert.equal(1, code)
    assert.matches("attempt to call a nil value", err)
  end)

  it("grants directories to the sandbox with --allow DIR[:rw]", function()
    write(tmp .. "/data.txt", "policy data")
    local read = "print(host.read_file('" .. tmp .. "/data.txt'))"
    local _, err, code = run({ "--sandbox", "-e", read })
    assert.equal(1, code)
    assert.matches("not under a directory granted for reading", err)
    assert.matches("%-%-allow DIR", err)
    local out
    out, _, code = run({ "--sandbox", "--allow", tmp, "-e", read })
    assert.equal(0, code)
    assert.equal("policy data\n", out)
    local create = "assert(require('pmemset').source.file('" .. tmp
      .. "/made.pool', { create = 'always' }))"
    _, err, code = run({ "--sandbox", "--allow", tmp, "-e", create })
    assert.equal(1, code)
    assert.matches("%-%-allow DIR:rw", err)
    _, err, code = run({ "--sandbox", "--allow", tmp .. ":rw", "-e", create })
    assert.equal(0, code, err)
    _, err, code = run({ "--sandbox", "--allow", tmp .. "/none", "-e", "" })
    assert.equal(1, code)
    assert.matches("none", err)
  end)

  it("stops scripts at --max-instructions, --timeout, --max-memory", function()
    local _, err, code = run({ "--max-instructions", "100000", "-e",
      "while true do pcall(function() while true do end end) end" })
    assert.equal(1, code)
    assert.matches("instruction limit %(100000%) exceeded at %(command line%):1",
      err)
    _, err, code = run({ "--timeout", "10", "-e", "while true do end" })
    assert.equal(1, code)
    assert.matches("time limit %(10 ms%) exceeded", err)
    _, err, code = run({ "--max-memory", "4M", "-e",
      "local s = string.rep('x', 100 << 20)" })
    assert.equal(1, code)
    assert.matches("memory limit %(4194304 bytes%) exceeded", err)
    _, err, code = run({ "--max-memory", "4Q", "-e", "" })
    assert.equal(2, code)
    assert.matches("%-%-max%-memory 4Q: unknown unit", err)
    _, err, code = run({ "--timeout", "1K", "-e", "" })
    assert.equal(2, code)
    assert.matches("%-%-timeout 1K: expected digits", err)
  end)
end)
