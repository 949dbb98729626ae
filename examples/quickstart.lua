-- quickstart.lua: generated sensor readings -> a Lua processor -> SQLite.
-- Offline; no server needed.
--   collector run examples/quickstart.lua            (writes ./quickstart.db)
--   DB=/tmp/q.db collector run examples/quickstart.lua
local path = os.getenv("DB") or "quickstart.db"
os.remove(path) -- start fresh each run

local readings = source.generator { count = 10000, seed = 20251128 }
local db = storage.sqlite { path = path, table = "readings" }

pipeline "quickstart" {
  from = { readings },
  process = { processor.file "processors/readings.lua" },
  to = { db },
  dead_letter = storage.memory {},
}

print("quickstart: " .. tostring(readings) .. " -> processors/readings.lua -> " .. tostring(db))
print(("quickstart: look at the data with: sqlite3 %s 'SELECT * FROM readings LIMIT 5'"):format(path))
