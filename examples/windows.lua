-- windows.lua: readings summed up per site, unit and minute by a processor
-- with a timer. Offline: generated readings go through
--   1. processors/readings.lua: drops readings whose value is not a number,
--      converts C to F;
--   2. processors/window.lua: drops the readings, and each minute (every =
--      "1m", on_timer) emits one summary per site and unit; when the
--      pipeline drains, shutdown emits the window still open;
-- and the summaries go into SQLite.
--
--   collector run examples/windows.lua                      (5,000 readings at once: one window, closed at the end)
--   RATE=100 COUNT=15000 collector run examples/windows.lua  (2.5 minutes: two windows close on the timer)
--
-- Writes windows.db in the working directory (replaced on each run).
for _, file in ipairs { "windows.db", "windows.db-wal", "windows.db-shm" } do
  os.remove(file)
end

local db = storage.sqlite { path = "windows.db", table = "summaries" }

pipeline "windows" {
  from = source.generator { count = env("COUNT", 5000), rate = tonumber(env("RATE")) },
  process = {
    processor.file "processors/readings.lua",
    processor.file "processors/window.lua",
  },
  to = db,
}

local report = run().windows
print(("windows: %d readings in, %d summaries stored"):format(report.input, report.stored[db.id]))
for _, summary in ipairs(db:query { sort_by = "window_end", limit = 3 }) do
  print("windows: until " .. time.format(summary.window_end) .. ": " .. json.encode(summary, { sort_keys = true }))
end
print("windows: look at them with: sqlite3 windows.db 'SELECT * FROM summaries'")
