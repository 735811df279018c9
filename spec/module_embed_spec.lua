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
    assert.equal('parts[1].length: expected a size, got "z"', out)
  end)

  it("is the same module as with the Lua files", function()
    assert.is_function(pmemset.layout)
    assert.is_function(pmemset.check_layout)
  end)
end)
