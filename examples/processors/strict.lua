-- processors/strict.lua: refuses readings it cannot trust. Where readings.lua
-- drops them quietly, this one raises an error: the record goes to the
-- pipeline's dead-letter destination with the message, this file's name and
-- line, and a traceback, and the next record goes on as if nothing happened.
local M = {}

-- (types/collector.lua describes records and the hooks, for editors.)
---@param record collector.Record
---@return collector.Record
function M.process(record)
  if type(record.value) ~= "number" then
    local value = record.value
    local shown = type(value) == "string" and ("%q"):format(value) or tostring(value)
    error(("reading %s: value is not a number: %s"):format(record.sensor_id, shown))
  end
  if record.value < -273.15 and record.unit == "C" then
    error(("reading %s: %.2f C is below absolute zero"):format(record.sensor_id, record.value))
  end
  record.severity = record.value > 90 and "high" or "normal"
  return record
end

return M
