-- SPDX-License-Identifier: BSD-3-Clause
-- pmemset.svg -- a standalone SVG picture of a mapped address space, from a
-- report table (pmemset.report.build):
--
--   local svg = require "pmemset.svg"
--   io.open("layout.svg", "w"):write(svg.render(report [, {title = ...}]))
--
-- From top to bottom: a title; the address bar (the reservation, or the
-- span of the part maps, to scale; the part maps' span enlarged below it
-- when they fill less than a quarter of the reservation) with the part
-- maps outlined, their
-- parts filled in the colour of their state, the gaps hatched and the bad
-- blocks marked; one row per part with its file, offset, size, address and
-- state; a legend. Parts narrower than two pixels on the bar are drawn as
-- one group labelled with their count (their part maps with one
-- outline); with more than 40 parts the rows
-- show the first 25 and the last 10, and one row says how many were left
-- out and how much they hold.

local M = {}

local WIDTH = 1040
local MARGIN = 20
local BAR_Y, BAR_H = 56, 44
local ROW_H = 20
local MAX_ROWS, HEAD_ROWS, TAIL_ROWS = 40, 25, 10

-- colours of the part states (and of parts without a shutdown state)
M.colours = {
  ok = "#4caf50", ok_but_already_open = "#8bc34a",
  ok_but_interrupted = "#ff9800", corrupted = "#e53935",
  indeterminate = "#8e24aa", none = "#64b5f6",
}
-- the order of the states by severity, for a group's colour
local severity = { none = 0, ok = 1, ok_but_already_open = 2,
                   ok_but_interrupted = 3, indeterminate = 4, corrupted = 5 }

local function esc(s)
  return (tostring(s):gsub("[&<>\"']", {
    ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;",
    ["'"] = "&apos;",
  }))
end

-- size as text in binary units ("64 KiB", "1.5 MiB")
function M.size(n)
  if not n then return "?" end
  local units = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" }
  local u, v = 1, n
  while v >= 1024 and u < #units do v, u = v / 1024, u + 1 end
  if u == 1 or v == math.floor(v) then
    return ("%d %s"):format(math.floor(v), units[u])
  end
  return ("%.1f %s"):format(v, units[u])
end

local function hex(n) return n and ("0x%x"):format(n) or "-" end

local function state_of(p) return p.state or "none" end

-- the span [lo, hi) drawn on the bar
local function span(r)
  if r.reservation then
    return r.reservation.addr, r.reservation.addr + r.reservation.size
  end
  local lo, hi
  for _, m in ipairs(r.part_maps) do
    lo = math.min(lo or m.addr, m.addr)
    hi = math.max(hi or 0, m.addr + m.size)
  end
  return lo, hi
end

local function rect(out, x, y, w, h, attrs)
  out[#out + 1] = ('<rect x="%.2f" y="%.2f" width="%.2f" height="%.2f" %s/>')
    :format(x, y, w, h, attrs)
end

local function text(out, x, y, s, attrs)
  out[#out + 1] = ('<text x="%.2f" y="%.2f"%s>%s</text>')
    :format(x, y, attrs and " " .. attrs or "", esc(s))
end

-- the parts on the bar, consecutive slivers (< 2 px) merged into groups
local function bar_items(r, x_of)
  local items, group = {}, nil
  local mapped = {}
  for _, p in ipairs(r.parts) do
    if p.addr then mapped[#mapped + 1] = p end
  end
  table.sort(mapped, function(a, b) return a.addr < b.addr end)
  for _, p in ipairs(mapped) do
    local x0, x1 = x_of(p.addr), x_of(p.addr + p.size)
    if x1 - x0 >= 2 then
      group = nil
      items[#items + 1] = { x0 = x0, x1 = x1, state = state_of(p), n = 1,
                            index = p.index }
    elseif group and x0 - group.x1 < 2 then
      group.x1, group.n = math.max(group.x1, x1), group.n + 1
      if severity[state_of(p)] > severity[group.state] then
        group.state = state_of(p)
      end
    else
      group = { x0 = x0, x1 = x1, state = state_of(p), n = 1 }
      items[#items + 1] = group
    end
  end
  return items
end

-- the part maps' outlines: consecutive slivers (< 3 px) share one
local function map_runs(r, x_of)
  local runs = {}
  for _, m in ipairs(r.part_maps) do
    local x0, x1 = x_of(m.addr), x_of(m.addr + m.size)
    local last = runs[#runs]
    if x1 - x0 < 3 and last and last.small and x0 - last.x1 < 2 then
      last.x1 = x1
    else
      runs[#runs + 1] = { x0 = x0, x1 = x1, small = x1 - x0 < 3 }
    end
  end
  return runs
end

-- where a bad block lies in the address space, if its part is mapped
local function badblock_addr(r, bb)
  for _, p in ipairs(r.parts) do
    if p.addr and p.file == bb.file and bb.offset >= p.offset
        and bb.offset < p.offset + p.size then
      return p.addr + bb.offset - p.offset
    end
  end
end

-- the span of the part maps alone
local function maps_span(r)
  local lo, hi
  for _, m in ipairs(r.part_maps) do
    lo = math.min(lo or m.addr, m.addr)
    hi = math.max(hi or 0, m.addr + m.size)
  end
  return lo, hi
end

-- one bar drawing [lo, hi) at y; hatched as a gap when in a reservation
local function draw_span(out, r, lo, hi, y, hatched)
  local x, w = MARGIN, WIDTH - 2 * MARGIN
  local function x_of(addr) return x + (addr - lo) / (hi - lo) * w end
  if hatched then
    rect(out, x, y, w, BAR_H,
         'fill="url(#gap)" stroke="#555555" stroke-dasharray="4 2"')
  end
  for _, item in ipairs(bar_items(r, x_of)) do
    rect(out, item.x0, y + 4, math.max(item.x1 - item.x0, 1),
         BAR_H - 8, ('fill="%s" stroke="#ffffff" stroke-width="1"')
         :format(M.colours[item.state]))
    if item.index and item.x1 - item.x0 > 24 then
      text(out, (item.x0 + item.x1) / 2, y + BAR_H / 2 + 4, item.index,
           'text-anchor="middle" font-size="11"')
    elseif item.n > 1 and item.x1 - item.x0 > 60 then
      text(out, (item.x0 + item.x1) / 2, y + BAR_H / 2 + 4,
           item.n .. " parts", 'text-anchor="middle" font-size="11"')
    end
  end
  for _, run in ipairs(map_runs(r, x_of)) do
    rect(out, run.x0, y + 1, math.max(run.x1 - run.x0, 1), BAR_H - 2,
         'fill="none" stroke="#212121" stroke-width="1.5"')
  end
  for _, bb in ipairs(r.badblocks) do
    local a = badblock_addr(r, bb)
    if a and a >= lo and a < hi then
      local colour = bb.cleared and "#757575" or "#b71c1c"
      out[#out + 1] = ('<path d="M%.2f %d l-5 -9 h10 z" fill="%s"/>')
        :format(x_of(a), y, colour)
    end
  end
  text(out, x, y + BAR_H + 14, hex(lo), 'font-size="11"')
  text(out, x + w, y + BAR_H + 14, hex(hi),
       'font-size="11" text-anchor="end"')
  return x_of
end

-- the address bar, and below it the part maps' span enlarged when they
-- fill less than a quarter of the reservation; returns the y below them
local function draw_bar(out, r)
  local lo, hi = span(r)
  local x, w = MARGIN, WIDTH - 2 * MARGIN
  if not lo or hi <= lo then
    rect(out, x, BAR_Y, w, BAR_H, 'fill="#eeeeee" stroke="#999999"')
    text(out, x + w / 2, BAR_Y + BAR_H / 2 + 5, "nothing mapped",
         'text-anchor="middle"')
    return BAR_Y + BAR_H + 28
  end
  local x_of = draw_span(out, r, lo, hi, BAR_Y, r.reservation ~= nil)
  local mlo, mhi = maps_span(r)
  if not r.reservation or not mlo or (mhi - mlo) * 4 >= hi - lo then
    return BAR_Y + BAR_H + 28
  end
  local y = BAR_Y + BAR_H + 44
  out[#out + 1] = ('<path d="M%.2f %d L%d %d M%.2f %d L%d %d" '
    .. 'stroke="#9e9e9e" stroke-dasharray="3 3" fill="none"/>'):format(
    x_of(mlo), BAR_Y + BAR_H, x, y, x_of(mhi), BAR_Y + BAR_H, x + w, y)
  text(out, x + w / 2, y - 6, ("the part maps, enlarged (%s of %s)"):format(
       M.size(mhi - mlo), M.size(hi - lo)),
       'font-size="11" text-anchor="middle" fill="#616161"')
  draw_span(out, r, mlo, mhi, y, false)
  return y + BAR_H + 28
end

-- the bad blocks of file: how many, how many cleared
local function badblock_note(r, file)
  local n, cleared = 0, 0
  for _, bb in ipairs(r.badblocks) do
    if bb.file == file then
      n = n + 1
      if bb.cleared then cleared = cleared + 1 end
    end
  end
  if n == 0 then return "-" end
  return ("%d (%d cleared)"):format(n, cleared)
end

-- s cut to at most n characters, keeping its end (file names matter most)
local function tail(s, n)
  s = tostring(s)
  if #s <= n then return s end
  return "..." .. s:sub(#s - n + 4)
end

-- the columns of the part rows: heading, x, text of part p
local columns = {
  { "part", 0, function(_, p)
      return ("%d%s"):format(p.index, p.name and " " .. tail(p.name, 8) or "")
    end },
  { "file", 90, function(_, p)
      return tail(p.file or ("temporary in " .. tostring(p.temporary)), 48)
    end },
  { "offset", 440, function(_, p) return M.size(p.offset) end },
  { "size", 520, function(_, p) return M.size(p.size) end },
  { "address", 600, function(_, p) return hex(p.addr) end },
  { "map", 735, function(_, p) return p.part_map or "-" end },
  { "state", 775, function(_, p) return p.state or "-" end },
  { "bad blocks", 900, function(r, p) return badblock_note(r, p.file) end },
}

-- the rows shown: all, or the head and the tail around one elided row
local function rows_of(parts)
  if #parts <= MAX_ROWS then return parts end
  local rows, bytes = {}, 0
  for i = 1, HEAD_ROWS do rows[#rows + 1] = parts[i] end
  for i = HEAD_ROWS + 1, #parts - TAIL_ROWS do
    bytes = bytes + (parts[i].size or 0)
  end
  rows[#rows + 1] = { elided = #parts - HEAD_ROWS - TAIL_ROWS, bytes = bytes }
  for i = #parts - TAIL_ROWS + 1, #parts do rows[#rows + 1] = parts[i] end
  return rows
end

local function draw_rows(out, r, y)
  for _, c in ipairs(columns) do
    text(out, MARGIN + 18 + c[2], y + 14, c[1], 'font-weight="bold"')
  end
  y = y + ROW_H
  for _, p in ipairs(rows_of(r.parts)) do
    if p.elided then
      text(out, MARGIN + 18, y + 14, ("... %d parts not listed (%s) ..."):
           format(p.elided, M.size(p.bytes)), 'font-style="italic"')
    else
      rect(out, MARGIN, y + 3, 12, 12,
           ('fill="%s"'):format(M.colours[state_of(p)]))
      for _, c in ipairs(columns) do
        text(out, MARGIN + 18 + c[2], y + 14, c[3](r, p))
      end
    end
    y = y + ROW_H
  end
  return y
end

local legend = {
  { "ok", "ok" }, { "ok_but_already_open", "already open" },
  { "ok_but_interrupted", "interrupted" }, { "corrupted", "corrupted" },
  { "indeterminate", "indeterminate" }, { "none", "no shutdown state" },
}

local function draw_legend(out, y)
  local x = MARGIN
  for _, l in ipairs(legend) do
    rect(out, x, y, 12, 12, ('fill="%s"'):format(M.colours[l[1]]))
    text(out, x + 16, y + 11, l[2], 'font-size="11"')
    x = x + 20 + #l[2] * 6.5
  end
  y = y + 20
  x = MARGIN
  rect(out, x, y, 12, 12, 'fill="url(#gap)" stroke="#555555"')
  text(out, x + 16, y + 11, "gap in the reservation", 'font-size="11"')
  x = x + 170
  rect(out, x, y, 12, 12, 'fill="none" stroke="#212121" stroke-width="1.5"')
  text(out, x + 16, y + 11, "part map", 'font-size="11"')
  x = x + 90
  out[#out + 1] = ('<path d="M%d %d l-5 -9 h10 z" fill="#b71c1c"/>')
    :format(x + 6, y + 11)
  text(out, x + 16, y + 11, "bad block", 'font-size="11"')
  x = x + 90
  out[#out + 1] = ('<path d="M%d %d l-5 -9 h10 z" fill="#757575"/>')
    :format(x + 6, y + 11)
  text(out, x + 16, y + 11, "bad block cleared", 'font-size="11"')
  return y + 20
end

local function title_of(r, opts)
  if opts.title then return opts.title end
  local t = ("%d part%s in %d part map%s"):format(#r.parts,
    #r.parts == 1 and "" or "s", #r.part_maps, #r.part_maps == 1 and "" or "s")
  if r.reservation then
    t = t .. (", reservation of %s at %s"):format(M.size(r.reservation.size),
                                                 hex(r.reservation.addr))
  end
  if not r.ok then t = t .. " -- failed: " .. tostring(r.error) end
  return t
end

-- render(report [, opts]) -> the SVG document as a string;
-- opts.title replaces the title line
function M.render(r, opts)
  assert(type(r) == "table" and r.parts and r.part_maps,
         "svg.render: expected a report table (pmemset.report.build)")
  opts = opts or {}
  local body = {}
  text(body, MARGIN, 30, title_of(r, opts), 'font-size="15" font-weight="bold"')
  local y = draw_rows(body, r, draw_bar(body, r))
  local height = draw_legend(body, y + 12) + 8
  return table.concat({
    '<?xml version="1.0" encoding="UTF-8"?>',
    ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
      .. 'viewBox="0 0 %d %d" font-family="DejaVu Sans, sans-serif" '
      .. 'font-size="12">'):format(WIDTH, height, WIDTH, height),
    '<defs><pattern id="gap" width="8" height="8" '
      .. 'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
      .. '<rect width="8" height="8" fill="#f5f5f5"/>'
      .. '<line x1="0" y1="0" x2="0" y2="8" stroke="#bdbdbd" '
      .. 'stroke-width="3"/></pattern></defs>',
    ('<rect width="%d" height="%d" fill="#ffffff"/>'):format(WIDTH, height),
    table.concat(body, "\n"),
    "</svg>", "",
  }, "\n")
end

return M
