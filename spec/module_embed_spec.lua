-- SPDX-License-Identifier: BSD-3-Clause
-- pmemset.so alone (no lua/ on package.path): the Lua helpers are embedded
local pmemset = require "pmemset"

describe("pmemset.so without the Lua files", function()
  it("loads the whole module from the binary", function()
    local so = assert(package.searchpath("pmemset", package.cpath))
    local cmd = ("env LUA_PATH='/nonexistent/?.lua' LUA_CPATH=%q lua5.4 -e %q")
      :format(so:gsub("pmemset%.so$", "?.so"),
        "local p = require 'pmemset'; " ..
        "assert(package.loaded['pmemset.core'] == p); " ..
        "assert(package.loaded['pmemset.layout']); " ..
        "local ok, e = pcall(p.layout, { parts = { { file = 'x', length = 'z' } } }); " ..
        "io.write(e)")
    local f = assert(io.popen(cmd))
    local out = f:read("a")
    assert.is_true(f:close())
    assert.equal('parts[1].length: expected a size, got "z" (a size is '
      .. 'digits with an optional unit)', out)
  end)

  it("closes sets left open when the interpreter exits", function()
    local so = assert(package.searchpath("pmemset", package.cpath))
    local dir = os.getenv("PMEMSET_SPEC_TMPDIR") or "/tmp"
    local script = ([[
      local p = require 'pmemset'
      local n = 0
      local s = p.new { granularity = 'page', on_event = function() n = n + 1 end }
      local src = p.source.temporary(%q)
      local part = s:map(src, { length = '64K' })
      part:write(0, 'x')
      io.write(n)
      os.exit(0, true)]]):format(dir)
    local cmd = ("env LUA_CPATH=%q lua5.4 -e %q; echo \" rc=$?\"")
      :format(so:gsub("pmemset%.so$", "?.so"), script)
    local f = assert(io.popen(cmd))
    local out = f:read("a")
    f:close()
    assert.equal("3 rc=0\n", out)
  end)

  it("is the same module as with the Lua files", function()
    assert.is_function(pmemset.layout)
    assert.is_function(pmemset.check_layout)
  end)
end)
