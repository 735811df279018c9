-- doc_spec.lua -- the Lua reference: LDoc builds it from the source
-- comments (docs/config.ld, as `cmake --build build --target doc` does),
-- and every public function of the module, its objects, pmemset.emu,
-- pmemset.layout and the host's `host` table has an entry in it.

local support = require "spec_support"
local quote, read = support.quote, support.read_file

local base = assert(os.getenv("PMEMSET_SPEC_TMPDIR"), "PMEMSET_SPEC_TMPDIR unset")
  .. "/doc"

local function sh(cmd)
  local p = assert(io.popen(cmd .. " 2>&1"))
  local out = p:read("a")
  local _, _, code = p:close()
  return out, code
end

-- where each file named in docs/config.ld lives
local homes = { "src/lua/", "src/host/", "lua/pmemset/" }

local function build_reference()
  local src, out = base .. "/src", base .. "/out"
  sh("rm -rf " .. quote(base) .. " && mkdir -p " .. quote(src))
  local config = read("docs/config.ld")
  sh("cp docs/config.ld " .. quote(src))
  for name in config:match("file = (%b{})"):gmatch('"([^"]+)"') do
    local found
    for _, home in ipairs(homes) do
      if io.open(home .. name) then found = home .. name end
    end
    assert(found, name .. " not found")
    sh("cp " .. quote(found) .. " " .. quote(src))
  end
  local log, code = sh("cd " .. quote(src) .. " && ldoc -d " .. quote(out) .. " .")
  assert.equal(0, code, log)
  return out, log
end

local function anchors(file)
  local set = {}
  for name in read(file):gmatch('<a name = "([^"]+)"></a>') do set[name] = true end
  return set
end

-- names of a luaL_Reg array of a C file
local function registered(file, array)
  local body = read(file):match(array .. "%[%] = (%b{})")
  local names = {}
  for name in body:gmatch('{ "([%w_]+)",') do names[#names + 1] = name end
  return names
end

describe("the Lua reference", function()
  local out, pmemset, documented
  setup(function()
    out = build_reference()
    pmemset = require "pmemset"
    documented = {
      pmemset = anchors(out .. "/modules/pmemset.html"),
      emu = anchors(out .. "/modules/pmemset.emu.html"),
      layout = anchors(out .. "/modules/pmemset.layout.html"),
      host = anchors(out .. "/modules/host.html"),
    }
  end)

  local function check(page, names, prefix)
    local missing = {}
    for _, n in ipairs(names) do
      if not documented[page][prefix .. n] then missing[#missing + 1] = prefix .. n end
    end
    assert.same({}, missing)
  end

  local function functions(t)
    local names = {}
    for k, v in pairs(t) do
      if type(v) == "function" then names[#names + 1] = k end
    end
    table.sort(names)
    return names
  end

  local function methods(mt)
    return functions(debug.getregistry()[mt].__index)
  end

  it("documents every function of the module", function()
    check("pmemset", functions(pmemset), "")
    check("pmemset", functions(pmemset.source), "source.")
    check("emu", functions(pmemset.emu), "")
    check("layout", functions(require "pmemset.layout"), "")
  end)

  it("documents every method of sets, sources and parts", function()
    check("pmemset", methods("pmemset.set"), "set:")
    check("pmemset", methods("pmemset.source"), "source:")
    check("pmemset", registered("src/lua/lpart.c", "part_methods"), "part:")
    assert.truthy(documented.pmemset.type) -- the event's fields
  end)

  it("documents the host's functions", function()
    check("host", registered("src/host/lhost.c", "funcs"), "")
  end)
end)
