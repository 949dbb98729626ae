-- processors/readings_stateful.lua: the canonical rules (processors/readings.lua)
-- plus state kept across records: a count and a sum of values per sensor.
-- Its state is declared (export_state and migrate), so a pipeline with
-- `resume` checkpoints it with the source positions it corresponds to, and a
-- restart after a crash goes on from the last checkpoint (docs/operations.md).
--
--   INPUT=readings.jsonl PROCESSOR=processors/readings_stateful.lua STATE=canonical.state.db \
--     collector run examples/canonical.lua
local readings = require("readings")

local M = {}
local per_sensor = {}

function M.process(record)
  local out = readings.process(record)
  if out == nil then return nil end
  local seen = per_sensor[out.sensor_id]
  if seen == nil then
    seen = { n = 0, sum = 0.0 }
    per_sensor[out.sensor_id] = seen
  end
  seen.n = seen.n + 1
  seen.sum = seen.sum + out.value
  out.sensor_count = seen.n
  return out
end

function M.export_state() return per_sensor end

function M.migrate(old)
  per_sensor = old or {}
end

return M
