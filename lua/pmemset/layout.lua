-- SPDX-License-Identifier: BSD-3-Clause
local M = {}
function M.build() end
function M.load() end
function M.check() end
return M
