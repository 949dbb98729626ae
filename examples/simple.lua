-- simple.lua: pattern 1, the simple pipeline: one source -> one backend.
-- An HTTP API answering JSON is polled; each answer is one row of SQLite
-- (the document layout: the whole answer as JSON in a row).
--
--   API_URL=https://api.example.com/v1/status collector run --once examples/simple.lua
--     --once: collect once, store, exit; without it, poll every EVERY until Ctrl-C.
--
-- Without an API of your own, use the test suite's fixture server:
--   python3 Tests/Fixtures/http_fixture.py &      (prints the port it listens on)
--   API_URL=http://127.0.0.1:PORT/ok collector run --once examples/simple.lua
--
-- API_URL    the URL to poll (required)
-- API_TOKEN  sent as "Authorization: Bearer ..." when set
-- EVERY      time between polls (default "10s")
-- Writes simple.db in the working directory (kept across runs: rows add up).
local url = env("API_URL") or error("set API_URL to the URL of a JSON API (see the top of this file)")

local api = source.http { url = url, token = env("API_TOKEN"), every = env("EVERY", "10s") }
local db = storage.sqlite { path = "simple.db", table = "collected" }

pipeline "simple" { from = api, to = db }

local report = run().simple
print(("simple: %s -> %s"):format(tostring(api), tostring(db)))
print(("simple: %d answer(s) stored now, %d row(s) in the table"):format(report.stored[db.id] or 0, db:count()))
print("simple: look at them with: sqlite3 simple.db 'SELECT * FROM collected'")
