-- luacheck: read globals host
-- sds_policy.lua -- which shutdown states a part may be mapped in.
--
--   ok, ok_but_already_open   always
--   ok_but_interrupted        only if the application has a recovery for
--                             the file: key "recovery.<file>" = "ready"
--   corrupted                 never: the device had an unsafe shutdown while
--                             the file was in use (restore from a backup)
--   indeterminate             never: the file moved to another device while
--                             in use
-- Each SDS update is kept as keys sds.<device>.usc/.refcount by the host;
-- the policy also prints it, as an application would persist it.

local function accept(state, info)
  if state == "ok" or state == "ok_but_already_open" then
    return true
  end
  if state == "ok_but_interrupted" then
    if host.get("recovery." .. info.path) == "ready" then
      print("policy: " .. info.path .. " was not closed cleanly; recovering")
      return true
    end
    return false, "interrupted and no recovery is ready"
  end
  if state == "corrupted" then
    return false, ("unsafe shutdown of %s while in use (usc %d -> %d): "
      .. "restore from a backup"):format(info.device_id, info.stored.usc,
      info.usc)
  end
  return false, "device changed while in use (" .. state .. ")"
end

return {
  acceptable_states = accept,
  on = {
    sds_update = function(_, ev)
      print(("policy: persist SDS of %s: id=%s usc=%d refcount=%d")
        :format(ev.source:path(), ev.sds.id, ev.sds.usc, ev.sds.refcount))
    end,
  },
}
