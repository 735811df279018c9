-- health_policy.lua -- the default health policy: the colour of this node's
-- persistent memory for the cluster manager (docs/cluster.md).
--
--   pmemset-lua --health LAYOUT --policy health_policy.lua
--
-- health(report) gets pmemset.health's report of the layout's pools (read
-- without mapping them) and returns a colour and the reason:
--
--   red     pmemset_map would refuse a part (a state acceptable_states
--           refuses, bad blocks the badblock handler leaves or refuses, a
--           missing file or an unreadable device), or a bad block lies in
--           the bytes a part maps and the policy would not clear it: the
--           service must move to another node.
--   yellow  cleared-but-uncertain: the map would go through, but only after
--           the policy clears bad blocks (their data is lost, which the
--           policy says is acceptable there) or there are bad blocks outside
--           the mapped bytes: the media is failing, plan a replacement.
--   green   every part would map in an acceptable state and no bad block
--           is known.
--
-- A policy of your own can add rules (a usc threshold, a device id list, a
-- yellow for ok_but_interrupted) or return an integer score instead of a
-- colour.

-- the first source with a bad block in used data the policy keeps
local function used_badblock(src)
  for _, range in ipairs(src.badblocks and src.badblocks.ranges or {}) do
    if range.used and range.decision ~= "cleared" then
      return ("bad block %d+%d in the used data of %s"):format(
        range.offset, range.length, src.file)
    end
  end
  return nil
end

local function red(report)
  for _, src in ipairs(report.sources) do
    if src.map == "refused" then
      return ("%s: %s"):format(src.file or src.temporary, src.reason)
    end
    local why = used_badblock(src)
    if why then return why end
  end
  return nil
end

local function yellow(report)
  for _, src in ipairs(report.sources) do
    local bbs = src.badblocks
    if bbs and bbs.count > 0 then
      return ("%d bad block(s), %d bytes, in %s (cleared or unused)"):format(
        bbs.count, bbs.bytes, src.file)
    end
  end
  return nil
end

local function health(report)
  local why = red(report)
  if why then return "red", why end
  why = yellow(report)
  if why then return "yellow", why end
  return "green", ("%d source(s) healthy"):format(#report.sources)
end

return { health = health }
