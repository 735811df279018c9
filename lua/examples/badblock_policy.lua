-- luacheck: read globals host
-- badblock_policy.lua -- clear a bad block only where the application says
-- the data does not matter.
--
-- The application marks the ranges of a file that hold no live data as host
-- keys "free.<file>.<offset>" = <length> (host.set from Lua, or
-- pmemset_lua_set_u64 from C). A bad block lying entirely inside such a
-- range is cleared (its data is lost, which is fine there); any other bad
-- block is refused and left alone, so the map fails instead of silently
-- zeroing live data. Every decision is kept as a key
-- "decisions.<file>.<offset>" = "cleared" | "refused".

-- the free range of file containing [offset, offset + length), or nil
local function free_range(file, offset, length)
  local prefix = "free." .. file .. "."
  for key, len in host.keys(prefix) do
    local start = tonumber(key:sub(#prefix + 1))
    if start and offset >= start and offset + length <= start + len then
      return start, len
    end
  end
  return nil
end

local function decide(file, offset, what)
  host.set("decisions." .. file .. "." .. offset, what)
end

return {
  on = {
    badblock = function(set, ev)
      local file = ev.source:path()
      local start, len = free_range(file, ev.offset, ev.length)
      if not start then
        decide(file, ev.offset, "refused")
        print(("policy: refused bad block %d+%d of %s (live data)")
          :format(ev.offset, ev.length, file))
        return false, "bad block in live data"
      end
      local ok, msg = set:clear_badblock(ev)
      if not ok then
        decide(file, ev.offset, "failed")
        error("clearing the bad block failed: " .. msg)
      end
      decide(file, ev.offset, "cleared")
      print(("policy: cleared bad block %d+%d of %s (free range %d+%d)")
        :format(ev.offset, ev.length, file, start, len))
    end,
    badblocks_cleared = function(_, ev)
      print("policy: no bad block left in " .. ev.source:path())
    end,
  },
}
