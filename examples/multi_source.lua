-- multi_source.lua: pattern 3, several sources collected concurrently into
-- one backend. Offline: two generated plants (paced, so their collection
-- overlaps) and the output of a command; plus one HTTP source per URL in
-- API_URLS when it is set.
--
--   collector run examples/multi_source.lua
--   API_URLS=http://127.0.0.1:PORT/ok,http://127.0.0.1:PORT/echo collector run --once examples/multi_source.lua
--     (PORT: the fixture server's, see simple.lua; --once: each HTTP source polls once)
--
-- Writes multi_source.jsonl in the working directory (replaced on each run).
os.remove("multi_source.jsonl")

local sources = {
  source.generator { id = "plant-a", count = 200, seed = 1, rate = 2000 },
  source.generator { id = "plant-b", count = 200, seed = 2, rate = 2000 },
  source.command {
    id = "inventory",
    command = { "printf", '{"item":"valve","stock":12}\n{"item":"pump","stock":3}\n' },
  },
}
for url in (env("API_URLS") or ""):gmatch("[^,%s]+") do
  sources[#sources + 1] = source.http { url = url, every = "10s" }
end

-- Each collected item is an event: when each source collected its first and last.
local seen = {}
on("collection_complete", function(event)
  local id = event.data.source_id
  local entry = seen[id] or { items = 0, bytes = 0, first = event.time }
  entry.items = entry.items + 1
  entry.bytes = entry.bytes + event.data.size
  entry.last = event.time
  seen[id] = entry
end)

local out = storage.jsonl { path = "multi_source.jsonl" }
pipeline "multi_source" { from = sources, to = out }

local report = run().multi_source
local origin
for _, entry in pairs(seen) do origin = math.min(origin or entry.first, entry.first) end
for _, src in ipairs(sources) do
  local entry = seen[src.id]
  if entry then
    print(("multi_source: %-12s %4d item(s), %6d bytes, from +%.3fs to +%.3fs"):format(
      src.id, entry.items, entry.bytes, entry.first - origin, entry.last - origin))
  else
    print(("multi_source: %-12s nothing collected"):format(src.id))
  end
end
print(("multi_source: %d records from %d sources stored in multi_source.jsonl"):format(report.stored[out.id], #sources))
