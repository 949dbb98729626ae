-- processors/readings.lua: the canonical processing rules (shared/bench/README.md).
--   1. drop a record without sensor_id or ts, or whose value is missing or not a number;
--   2. unit C: value = value * 9 / 5 + 32, unit = "F";
--   3. severity = "high" when the unrounded value > 90, else "normal";
--   4. value rounded to two decimals; every other field passes through untouched.
local floor = math.floor

local M = {}

function M.process(record)
  local value = record.value
  if record.sensor_id == nil or record.ts == nil or type(value) ~= "number" then
    return nil
  end
  if record.unit == "C" then
    value = value * 9 / 5 + 32
    record.unit = "F"
  end
  record.severity = value > 90 and "high" or "normal"
  record.value = floor(value * 100 + 0.5) / 100
  return record
end

return M
