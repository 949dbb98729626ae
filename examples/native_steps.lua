-- native_steps.lua: the native steps (validate, dedup, throttle, sample) and
-- what a processor knows of where a record came from (meta). Offline:
-- generated sensor readings go through
--   1. processor.validate: a schema; a reading that does not match (no
--      sensor_id, a value that is not a number ...) goes to the dead letters,
--      its error naming where ("$.value: expected number, got string");
--   2. processor.dedup: a reading whose sensor_id and ts were seen before is dropped;
--   3. processor.throttle: at most 500 readings a second per site, the rest dead-lettered;
--   4. processor.sample: one sensor in ten, all of its readings;
--   5. a function that stamps each reading with its source and sequence (meta);
-- and into a JSON-lines file.
--
--   collector run examples/native_steps.lua
--
-- Writes native-steps.jsonl and native-steps-dead.jsonl in the working
-- directory (replaced on each run).
for _, file in ipairs { "native-steps.jsonl", "native-steps-dead.jsonl" } do os.remove(file) end

local readings = processor.validate { name = "readings", schema = {
  type = "object",
  required = { "sensor_id", "value", "ts" },
  properties = {
    sensor_id = { type = "string", pattern = "^s-[0-9]+$" },
    value = { type = "number" },
    ts = { type = "integer", minimum = 0 },
    unit = { enum = { "C", "F", "RH" } },
    tags = { type = "object", properties = { shift = { type = "integer", minimum = 1, maximum = 3 } } },
  },
} }

pipeline "native_steps" {
  from = source.generator { count = 2000 },
  process = {
    readings,
    processor.dedup { key = { "sensor_id", "ts" }, window = "10m" },
    processor.throttle { rate = 500, key = "site", on_excess = "dead_letter" },
    processor.sample { rate = 0.1, key = "sensor_id" },
    function(r, _, meta)
      r.origin = meta.source_id .. "#" .. meta.sequence
      return r
    end,
  },
  to = storage.jsonl { path = "native-steps.jsonl" },
  dead_letter = storage.jsonl { path = "native-steps-dead.jsonl" },
}

local report = run().native_steps
if report.status == "pending" then return end -- collector check: nothing ran
assert(report.status == "completed", "the pipeline did not complete: " .. tostring(report.error))
print(("%d readings in, %d kept, %d dropped, %d failed (in native-steps-dead.jsonl)"):format(
  report.input, report.output, report.dropped, report.failed))
