-- SPDX-License-Identifier: BSD-3-Clause
-- spec_support.lua -- helpers shared by the busted specs: scratch
-- directories, whole-file reads and writes, shell quoting, the host program.
-- Not a spec itself (its name does not end in _spec). The specs find it on
-- package.path: .busted's lpath when busted runs by hand from the repository
-- root, LUA_PATH when ctest runs them (spec/busted.cmake).
local lfs = require "lfs"

local support = {}

support.K64 = 65536

-- a new empty directory below PMEMSET_SPEC_TMPDIR (or /tmp)
function support.scratch()
  local base = os.getenv("PMEMSET_SPEC_TMPDIR") or "/tmp"
  local name = os.tmpname()
  os.remove(name)
  local dir = base .. "/" .. name:match("[^/]+$")
  assert(lfs.mkdir(dir))
  return dir
end

-- removes a scratch directory and the files in it (specs make no
-- subdirectories in one)
function support.rmtree(dir)
  for f in lfs.dir(dir) do
    if f ~= "." and f ~= ".." then os.remove(dir .. "/" .. f) end
  end
  lfs.rmdir(dir)
end

-- the names in dir, sorted, without "." and ".."
function support.entries(dir)
  local t = {}
  for f in lfs.dir(dir) do
    if f ~= "." and f ~= ".." then t[#t + 1] = f end
  end
  table.sort(t)
  return t
end

function support.read_file(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

function support.write_file(path, data)
  local f = assert(io.open(path, "wb"))
  f:write(data)
  f:close()
end

-- s as one word for sh
function support.quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

-- the pmemset-lua program under test: PMEMSET_LUA_BIN, else the one in the
-- build tree ctest names in PMEMSET_BUILD_DIR
function support.host_program()
  return os.getenv("PMEMSET_LUA_BIN")
    or assert(os.getenv("PMEMSET_BUILD_DIR"), "PMEMSET_BUILD_DIR unset")
    .. "/pmemset-lua"
end

return support
