-- canonical.lua: the canonical workload (the project's benchmark): a JSON-lines
-- file of sensor readings -> the readings processor -> a sink.
--
--   INPUT=readings.jsonl collector run examples/canonical.lua
--   INPUT=readings.jsonl SINK=sqlite DB=out.db collector run examples/canonical.lua
--   INPUT=readings.jsonl PROCESSOR=other.lua collector run examples/canonical.lua
--
-- INPUT      the JSON-lines file to read (required)
-- PROCESSOR  the processor file (default processors/readings.lua beside this script)
-- SINK       "null" (encode each record to JSON and count it; the default), "sqlite",
--            "jsonl" (a file, never synced) or "console" (standard output, as JSON lines)
-- DB         the SQLite file for SINK=sqlite (default canonical.db; replaced)
-- KEY        for SINK=sqlite: a natural key, fields separated by commas (an upsert;
--            e.g. KEY=sensor_id,ts, to measure what a key costs)
-- OUT        the file for SINK=jsonl (default canonical.jsonl; replaced)
-- STATE      a resume store (a state file): a processor that declares state
--            (processors/readings_stateful.lua) is checkpointed there, every
--            CHECKPOINT_EVERY records (default 10000)
-- SHADOW     a processor file run beside the processor as a shadow run (p:shadow), to
--            measure what one costs; the counts are printed at the end
--
-- It ends with one line: n_in=N ok=N dropped=N high=N sum_value=S
local input = env("INPUT") or error("set INPUT to a JSON-lines file of readings")
local processor_path = env("PROCESSOR", "processors/readings.lua")
local sink_kind = env("SINK", "null")

local sink
if sink_kind == "null" then
  sink = storage.null {}
elseif sink_kind == "sqlite" then
  local db = env("DB", "canonical.db")
  for _, suffix in ipairs { "", "-wal", "-shm" } do os.remove(db .. suffix) end
  -- The canonical SQLite sink is a fresh file with the workload's seven
  -- columns, loaded once and never replayed: no record ids (their unique
  -- index would cost this load about a fifth of its time, see
  -- docs/performance.md), and no spool below (a replay into a file that the
  -- next run replaces would be worth nothing).
  local key
  if env("KEY") then
    key = {}
    for field in env("KEY"):gmatch("[^,]+") do key[#key + 1] = field end
  end
  sink = storage.sqlite { path = db, table = "readings", record_ids = false, key = key }
elseif sink_kind == "jsonl" then
  local out = env("OUT", "canonical.jsonl")
  os.remove(out)
  sink = storage.jsonl { path = out, sync = "never" }
elseif sink_kind == "console" then
  sink = storage.console {}
else
  error(("SINK must be null, sqlite, jsonl or console, got %q"):format(sink_kind))
end

-- The tally: how many records are "high", and the sum of the output values
-- (a native processor: records pass through; sums are added in record order).
local tally = processor.aggregate { count = { "severity" }, stats = { "value" } }

local canonical = pipeline "canonical" {
  from = source.file { path = input },
  process = { processor.file(processor_path), tally },
  to = sink,
  -- Large batches: the Lua states share out each batch, and fewer hand-offs
  -- between the stages keep both cores busy (about 48 MiB at peak).
  batch_size = 4000,
  spool = false,
  resume = env("STATE"),
  checkpoint_every = math.tointeger(tonumber(env("CHECKPOINT_EVERY", "10000"))),
}

if env("SHADOW") then
  canonical:start()
  canonical:shadow(1, processor.file(env("SHADOW")))
end
local report = run().canonical
if report.status == "pending" then return end -- collector check: nothing ran
assert(report.status == "completed", "the pipeline did not complete: " .. tostring(report.error))
local result = tally:result()
print(("n_in=%d ok=%d dropped=%d high=%d sum_value=%.4f"):format(
  report.input, report.output, report.dropped, result.counts.severity.high or 0, result.stats.value.sum))
if env("SHADOW") then
  local shadow = canonical:shadow_report()
  print(("shadow: compared=%d same=%d different=%d skipped=%d"):format(
    shadow.compared, shadow.same, shadow.different, shadow.skipped))
end
