-- SPDX-License-Identifier: BSD-3-Clause
-- luarocks --lua-version=5.4 make [--tree DIR] pmemset-0.1.0-1.rockspec  (from a clone)
-- builds the Lua module with libpmemset built in (CMake, PMEMSET_LUA_ROCK):
-- pmemset.so goes to the tree's C-module directory, lua/pmemset/*.lua to
-- its Lua directory. The version must be the CMake project version
-- (CMakeLists.txt refuses to configure otherwise).
rockspec_format = "3.0"
package = "pmemset"
version = "0.1.0-1"
source = {
  url = "git+file://.",
}
description = {
  summary = "Lua 5.4 binding of libpmemset, sets of persistent-memory mappings",
  detailed = [[
require "pmemset": sets, sources and part maps of persistent memory on
libpmem2, event handlers and state policies written in Lua, and layouts.]],
  license = "BSD-3-Clause",
}
dependencies = {
  "lua >= 5.4, < 5.5",
}
external_dependencies = {
  -- Debian: libpmem2-dev libndctl-dev libdaxctl-dev libbsd-dev
  -- (CMake finds them through pkg-config and says which package is missing)
  PMEM2 = { header = "libpmem2.h", library = "pmem2" },
  NDCTL = { header = "ndctl/libndctl.h", library = "ndctl" },
  DAXCTL = { header = "daxctl/libdaxctl.h", library = "daxctl" },
  BSD = { header = "bsd/sys/tree.h" },
}
build_dependencies = {}
build = {
  type = "cmake",
  variables = {
    PMEMSET_LUA_ROCK = "ON",
    CMAKE_BUILD_TYPE = "Release",
    CMAKE_INSTALL_PREFIX = "$(PREFIX)",
    PMEMSET_INSTALL_CMOD = "$(LIBDIR)",
    PMEMSET_INSTALL_LMOD = "$(LUADIR)",
  },
}
