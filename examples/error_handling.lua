-- error_handling.lua: pattern 5, errors and where they go.
--   * a line that is not JSON fails alone (a decoding error);
--   * processors/strict.lua raises an error for readings it cannot trust:
--     each fails alone, with the message, the file and line, a traceback;
--   * the SQLite table's constraints refuse a reading without a timestamp
--     (the readings layout: sensor_id, value, ts and severity are NOT NULL);
--   * all of these go to the dead-letter file, with why;
--   * with FLAKY_URL set, an API that fails before it answers is retried.
-- At the end it prints what went where. The run ends with exit status 1:
-- a record the database refused was not stored (it is a dead letter).
--
--   collector run examples/error_handling.lua
--   FLAKY_URL=http://127.0.0.1:PORT/flaky/503 collector run --once examples/error_handling.lua
--     (PORT: the fixture server's, see simple.lua; /flaky/503 answers 503 once, then 200)
--
-- Writes error_handling-input.jsonl, error_handling.db and
-- error_handling-dead.jsonl in the working directory (replaced on each run).
for _, file in ipairs { "error_handling.db", "error_handling.db-wal", "error_handling.db-shm" } do os.remove(file) end
os.remove("error_handling-dead.jsonl")

-- The input: six readings, three of them bad in different ways.
local input = assert(io.open("error_handling-input.jsonl", "w"))
input:write([[
{"sensor_id":"s-1","value":21.5,"unit":"C","ts":1764288000000}
{"sensor_id":"s-2","value":"n/a","unit":"C","ts":1764288000100}
this line is not JSON
{"sensor_id":"s-4","value":18.25,"unit":"C"}
{"sensor_id":"s-5","value":-300,"unit":"C","ts":1764288000400}
{"sensor_id":"s-6","value":95.5,"unit":"F","ts":1764288000500}
]])
input:close()

local db = storage.sqlite { path = "error_handling.db", table = "readings" }
local dead = storage.jsonl { path = "error_handling-dead.jsonl" }

pipeline "readings" {
  from = source.file { path = "error_handling-input.jsonl" },
  process = { processor.file "processors/strict.lua" },
  to = db,
  dead_letter = dead,
  -- A record the database refuses fails alone: the others of its batch are
  -- stored (the engine stores that batch again record by record).
}

-- Retries: the engine retries a source (and a backend) whose failure is
-- worth another try, such as an HTTP 503; each retry is an event.
local flaky_url = env("FLAKY_URL")
local retries = {}
if flaky_url then
  on("retry", function(event)
    retries[#retries + 1] = ("%s, attempt %d failed (%s), retried after %.2fs"):format(
      event.source, event.data.attempt, event.data.message, event.data.delay_seconds)
  end)
  pipeline "flaky" { from = source.http { id = "flaky-api", url = flaky_url }, to = storage.memory { id = "answers" } }
end

local reports = run()
local report = reports.readings
local summary = "error_handling: %d records in: %d stored in error_handling.db, "
  .. "%d failed in processing, %d refused by the database"
print(summary:format(report.input, report.stored[db.id], report.failed, report.failed_to_store))
print("error_handling: dead letters in error_handling-dead.jsonl:")
for _, letter in ipairs(dead:query { sort_by = "sequence" }) do
  local details = letter.error.details or {}
  local where = details.processor and ("processor " .. details.processor)
    or details.backend_id and ("backend " .. details.backend_id)
    or letter.error.layer
  print(("  #%d (%s): %s"):format(letter.sequence, where, letter.error.message))
end
if flaky_url then
  print(("error_handling: %s: %d answer(s) stored after %d retr%s"):format(
    flaky_url, reports.flaky.stored.answers, #retries, #retries == 1 and "y" or "ies"))
  for _, line in ipairs(retries) do print("  " .. line) end
else
  print("error_handling: set FLAKY_URL to see retries (see the top of this file)")
end
