-- luacheck: read globals host
-- badblock_layout.lua -- one pool file with bad-block detection, under the
-- bad-block policy. The files live in $PMEMSET_EXAMPLE_DIR (default: the
-- current directory); scripts/main-job.sh puts them on an emulated device
-- with a bad block at 8K.
--
--   pmemset-lua --emulate devices.txt --layout badblock_layout.lua
local dir = os.getenv("PMEMSET_EXAMPLE_DIR") or "."
local pool = dir .. "/pool.a"

-- the application's allocator knows the first 16K of the pool are unused;
-- set PMEMSET_EXAMPLE_LIVE=1 to pretend they hold live data
if os.getenv("PMEMSET_EXAMPLE_LIVE") ~= "1" then
  host.set("free." .. pool .. ".0", 16 * 1024)
end

return {
  policy = "badblock_policy.lua",
  parts = {
    { file = pool, create = "if_needed", length = "64K",
      badblock_detection = true },
  },
}
