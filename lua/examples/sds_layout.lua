-- luacheck: read globals host
-- sds_layout.lua -- two pools on an emulated device (id "dimm-0", usc 4),
-- with the shutdown records the application saved last time:
--   pool.a was closed cleanly at usc 4                 -> ok
--   pool.b was left open at usc 4 (the program died)   -> ok_but_interrupted,
--                                                         accepted: recovery ready
-- Set PMEMSET_EXAMPLE_CRASH=1 to pretend pool.b was left open at usc 3: the
-- device has had an unsafe shutdown since, so it is corrupted and refused.
local dir = os.getenv("PMEMSET_EXAMPLE_DIR") or "."
local crash = os.getenv("PMEMSET_EXAMPLE_CRASH") == "1"

host.set("recovery." .. dir .. "/pool.b", "ready")

return {
  policy = "sds_policy.lua",
  parts = {
    { file = dir .. "/pool.a", create = "if_needed", length = "64K",
      sds = { id = "dimm-0", usc = 4, refcount = 0 } },
    { file = dir .. "/pool.b", create = "if_needed", length = "64K",
      sds = { id = "dimm-0", usc = crash and 3 or 4, refcount = 1 } },
  },
}
