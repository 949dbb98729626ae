-- processing.lua: pattern 2, the processing pipeline: validate, transform,
-- enrich, store. Offline: generated sensor readings go through
--   1. processor.json_validate (native): a reading without sensor_id, value
--      or ts fails, and goes to the dead-letter file;
--   2. processors/readings.lua (Lua): drops readings whose value is not a
--      number, converts C to F, adds severity;
--   3. processors/enrich.lua (Lua): adds the site's region and time zone;
-- and into SQLite, in a table of typed columns the script declares.
--
--   collector run examples/processing.lua
--
-- Writes processing.db and processing-dead.jsonl in the working directory
-- (replaced on each run).
for _, file in ipairs { "processing.db", "processing.db-wal", "processing.db-shm", "processing-dead.jsonl" } do
  os.remove(file)
end

-- One column per field, in this order. A reading that does not fit (a value
-- of another type, nothing in a required column) goes to the dead letters.
local db = storage.sqlite {
  path = "processing.db",
  table = "enriched",
  columns = {
    { "sensor_id", "text", required = true },
    { "measured_at", "integer", field = "ts", required = true }, -- fed from the field ts
    { "value", "real", required = true },
    { "unit", "text" },
    { "severity", "text", required = true },
    { "site", "text" },
    { "region", "text" },
    { "tz", "text", sql_type = "VARCHAR(40)" },
    { "tags", "json" }, -- the nested table, as JSON text
  },
}
local dead = storage.jsonl { path = "processing-dead.jsonl" }

pipeline "processing" {
  from = source.generator { count = 2000 },
  process = {
    processor.json_validate { required = { "sensor_id", "value", "ts" } },
    processor.file "processors/readings.lua",
    processor.file "processors/enrich.lua",
  },
  to = db,
  dead_letter = dead,
}

local report = run().processing
print(("processing: %d readings in: %d stored, %d dropped by readings.lua, %d failed validation"):format(
  report.input, report.stored[db.id], report.dropped, report.failed))

local first = db:query { sort_by = "ts", limit = 1 }[1]
print("processing: the first reading stored: " .. json.encode(first, { sort_keys = true }))
local letter = dead:query { limit = 1 }[1]
if letter then
  print(("processing: a dead letter (%s #%d): %s"):format(letter.source_id, letter.sequence, letter.error.message))
end
print("processing: look at them with: sqlite3 processing.db 'SELECT * FROM enriched LIMIT 5'")
print("processing: and at the table's columns with: sqlite3 processing.db 'PRAGMA table_info(enriched)'")
