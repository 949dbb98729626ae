-- event_driven.lua: pattern 4, handlers reacting to the engine's events.
-- Offline: generated readings -> processors/strict.lua (it fails readings
-- without a numeric value) -> memory, while handlers (functions of this script, called on its thread in
-- the order the events happened) report the pipeline starting and stopping,
-- each stored batch, and the first dead letters, and count every event.
--
--   collector run examples/event_driven.lua
local counts = {}
on("*", function(event) counts[event.type] = (counts[event.type] or 0) + 1 end)

on("pipeline_started", function(event)
  print("[event] pipeline " .. event.source .. " started")
end)

local stored = 0
on("storage_complete", function(event)
  stored = stored + event.data.count
  print(("[event] %s stored a batch of %d (%d so far)"):format(event.data.backend_id, event.data.count, stored))
end)

local dead = 0
on("dead_letter", function(event)
  dead = dead + 1
  if dead <= 3 then
    print(("[event] dead letter from %s: %s #%d: %s"):format(
      event.source, event.data.source_id, event.data.sequence, event.data.message))
  end
end)

on("pipeline_stopped", function(event)
  print(("[event] pipeline %s stopped: %s, %d item(s) collected, %d record(s) processed, %d failed"):format(
    event.source, event.data.status, event.data.collected, event.data.processed, event.data.failed))
end)

local db = storage.memory { id = "readings" }
pipeline "events" {
  from = source.generator { count = 1000 },
  process = { processor.file "processors/strict.lua" },
  to = db,
  dead_letter = storage.memory { id = "dead" },
  batch_size = 250,
}

local report = run().events
-- The handlers saw what the report says.
assert(stored == report.stored.readings, "storage_complete events add up to what was stored")
assert(dead == report.dead_letters, "one dead_letter event per dead letter")

local types = {}
for type in pairs(counts) do types[#types + 1] = type end
table.sort(types)
for _, type in ipairs(types) do print(("events: %-22s %d"):format(type, counts[type])) end
