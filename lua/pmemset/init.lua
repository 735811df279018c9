-- SPDX-License-Identifier: BSD-3-Clause
-- pmemset -- the module table: the C core (pmemset.core) plus the
-- pure-Lua helpers (layouts).
local pmemset = require "pmemset.core"
local layout = require "pmemset.layout"

pmemset.layout = layout.build
pmemset.load_layout = layout.load
pmemset.check_layout = layout.check

return pmemset
