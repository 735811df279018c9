-- luacheck: read globals host
-- prototype_policy.lua -- the policy of layout_prototype.lua: report each
-- part as it is added, and watch the host's parts.* keys the way a
-- monitoring component would (host.track with a prefix).
local added = 0

host.track("parts.", { "add", "delete", "prefix" }, function(change, key, new)
  if key:match("%.size$") then
    print(("track: %s %s %s"):format(change, key, tostring(new)))
  end
end)

return {
  on = {
    part_add = function(_, ev)
      added = added + 1
      print(("policy: part %d at 0x%x, %d bytes")
        :format(added, ev.addr, ev.len))
    end,
  },
}
