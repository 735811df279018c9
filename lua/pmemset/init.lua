-- SPDX-License-Identifier: BSD-3-Clause
-- pmemset -- Lua 5.4 binding of libpmemset: the C core (pmemset.core,
-- src/lua) plus the pure-Lua helpers of lua/pmemset.
--
-- Conventions (those of Lua's io library): failures return
-- nil, message, code where code names the constant ("PMEMSET_E_...", a
-- libpmem2 "PMEM2_E_..." or an errno name such as "ENOENT"); misuse (wrong
-- argument types, unknown option keys, bad option values, out-of-bounds
-- memory access) raises an error naming the argument or option. Sizes are
-- non-negative integers or strings "4096", "64K", "2M", "1G", "1T", "1P"
-- (powers of 1024, overflow checked). Sets and sources close with close(),
-- <close> and __gc, all idempotent.
--
-- Sources
--   pmemset.source.file(path [, {create = "always"|"if_needed",
--                                grow = false, mode = 0x1b6}])
--   pmemset.source.temporary(dir)
--   src:alignment()  src:pread(offset, len)  src:pwrite(offset, data)
--   src:set_sds(sds)  src:state()  src:set_badblock_detection(bool)
--   src:path()  src:close()    (parts stay mapped after close)
--
-- Sets
--   pmemset.new{granularity = "byte"|"cache_line"|"page",
--               reservation = size,        -- owned by the set
--               acceptable_states = {names} | function(state, info),
--               coalescing = "none"|"opportunistic"|"full",
--               on_event = function(set, ev), on = {<event> = function}}
--   set:map(src [, {offset =, length =}]) -> part (the part map holding the
--       new part: with coalescing, the grown part map)
--   set:parts() (iterator over the part maps present when called)
--   set:part_at(addr)  set:remove(part)  set:remove_range(addr, len)
--   set:granularity()  set:coalescing([mode])  set:drain()  set:count()
--   set:handler_error()  set:clear_badblock(ev)  set:close()
--   set:reservation() -> addr, size of the set's reservation (or nil)
--
-- Parts (a part map, looked up by its address at every use: a removed one
-- raises "no longer mapped"; bounds are checked against the part map)
--   part.addr  part.size  part.set
--   part:write(offset, data [, flags])  part:read(offset, len)
--   part:fill(offset, byte, len [, flags])  part:move(dst, src, len [, flags])
--   part:persist([offset [, len]])  part:flush(...)  part:deep_flush(...)
--   part:is_mapped()
--   flags: nil, a name, a list of names (pmemset.flags) or the integer bits
--
-- Events: a handler gets (set, ev); ev.type is the kind and the fields are
-- those of the C payload: copy/move {src, dest, len, flags}, set {dest,
-- value, len, flags}, flush/remove_range/part_add/part_remove {addr, len},
-- sds_update {sds (a table), source}, badblock {offset, length, source},
-- badblocks_cleared {source}. Only subscribed kinds enter Lua (the core
-- filters them with an event mask). ev is one object per set, valid only
-- during the handler: copy the fields you need. Handlers run under pcall:
-- an error is kept for set:handler_error() (and reported by a failing
-- map/remove); for badblocks_cleared, an error, false or a non-zero integer
-- aborts the map. A handler runs on the coroutine that called the set
-- method firing the event (events fired by C calls on the set run on the
-- main thread); it must not yield. Inside a handler or state policy the set
-- may be locked by the core: map, remove, remove_range, parts, part_at,
-- close and deep_flush on the same set raise; reading and writing parts
-- works (checked against the last known part sizes).
--
-- State policies: acceptable_states = function(state, info) -> ok [, why]
-- with info = {state, path, device_id, usc, use_count, stored = sds table};
-- false (or an error) makes map fail with PMEMSET_E_UNDESIRABLE_PART_STATE,
-- nothing mapped, why ending the message.
--
-- Also: pmemset.sds([t]), pmemset.badblock_clear(bb, src), pmemset.size(v),
-- pmemset.errors (name -> code), pmemset.flags, pmemset.states,
-- pmemset.events, pmemset.emu (emulated devices), pmemset.inventory(),
-- pmemset.access(path, "rwx"), pmemset.file_size(path), pmemset.realpath(p),
-- pmemset.layout(t), pmemset.load_layout(path [, env]),
-- pmemset.check_layout(t) -> list of {path =, message =} (see layout.lua),
-- pmemset.health(layout, policy), pmemset.health_report(layout [, policy]),
-- pmemset.health_file(layout_path [, policy_path [, default_path]])
-- (see health.lua).
local pmemset = require "pmemset.core"
local layout = require "pmemset.layout"
local health = require "pmemset.health"

pmemset.layout = layout.build
pmemset.load_layout = layout.load
pmemset.check_layout = layout.problems
pmemset.health = health.evaluate
pmemset.health_report = health.report
pmemset.health_file = health.file

return pmemset
