-- processors/readings.lua: the canonical processing rules (shared/bench/README.md).
--   1. drop a record without sensor_id or ts, or whose value is missing or not a number;
--   2. unit C: value = value * 9 / 5 + 32, unit = "F";
--   3. severity = "high" when the unrounded value > 90, else "normal";
--   4. value rounded to two decimals; every other field passes through untouched.
local floor = math.floor

local M = {}

-- Inline tests: run by `collector test`, when the processor loads, and before a reload swaps it in.
M.tests = {
  { name = "celsius becomes fahrenheit",
    input = { sensor_id = "s-1", ts = 1, value = 40.0, unit = "C" },
    output = { sensor_id = "s-1", ts = 1, value = 104.0, unit = "F", severity = "high" } },
  { name = "other units pass, rounded",
    input = { sensor_id = "s-2", ts = 2, value = 20.734, unit = "RH" },
    output = { sensor_id = "s-2", ts = 2, value = 20.73, unit = "RH", severity = "normal" } },
  { name = "a value that is not a number is dropped",
    input = { sensor_id = "s-3", ts = 3, value = "n/a", unit = "C" }, dropped = true },
  { name = "a reading without ts is dropped", input = { sensor_id = "s-4", value = 1.5 }, dropped = true },
}

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
