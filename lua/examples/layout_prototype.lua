-- layout_prototype.lua -- trying a pmem layout before writing the program:
-- a 1G reservation holding a 2M data pool, its 64K log right after it
-- (coalesced into one contiguous part map), and a scratch area in a
-- temporary file. Files live in $PMEMSET_EXAMPLE_DIR (default: .).
--
--   pmemset-lua --layout lua/examples/layout_prototype.lua
local dir = os.getenv("PMEMSET_EXAMPLE_DIR") or "."

return {
  policy = "prototype_policy.lua",
  granularity = "page",
  coalescing = "full",
  reservation = "1G",
  parts = {
    { file = dir .. "/data.pool", create = "if_needed", length = "2M" },
    { file = dir .. "/log.pool", create = "if_needed", length = "64K" },
    { temporary = dir, length = "256K" },
  },
}
