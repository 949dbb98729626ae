-- http_output.lua: generated sensor readings -> an HTTP endpoint, in batches.
-- Each batch of 500 records is one POST (NDJSON, gzipped), retried with
-- backoff when the endpoint is busy or down, refused records dead-lettered.
--
--   HTTP_SINK_URL=https://logs.example.com/ingest HTTP_SINK_TOKEN=... collector run examples/http_output.lua
--
-- Without an endpoint of your own, use the test suite's receiver:
--   python3 Tests/Fixtures/http_sink_fixture.py /tmp/received.jsonl &   (prints its port)
--   HTTP_SINK_URL=http://127.0.0.1:PORT/ingest collector run examples/http_output.lua
--
-- HTTP_SINK_URL    where to POST (required)
-- HTTP_SINK_TOKEN  sent as "Authorization: Bearer ..." when set
local url = env("HTTP_SINK_URL") or error("set HTTP_SINK_URL to the URL to POST to (see the top of this file)")

local readings = source.generator { count = 2000 }
local sink = storage.http {
  url = url,
  format = "ndjson",
  gzip = true,
  token = env("HTTP_SINK_TOKEN"),
  headers = { ["X-Source"] = "datacollector-example" },
  timeout = "10s",
}

pipeline "http_output" {
  from = readings,
  to = sink,
  batch_size = 500,
  dead_letter = storage.memory {},
}

print("http_output: " .. tostring(readings) .. " -> " .. tostring(sink))
