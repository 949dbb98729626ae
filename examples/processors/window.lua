-- processors/window.lua: one summary per site, unit and minute: how many
-- readings came and their mean value. The readings themselves are dropped:
-- what the pipeline stores are the summaries.
--   every = "1m": on_timer(emit, now) closes the window each minute;
--   shutdown(emit) closes the last one when the pipeline drains, so a run
--   shorter than a minute (collector run --once) still gives its summaries;
--   export_state / migrate keep the open window across a hot reload.
-- It keeps state across records, so it runs in one Lua state (a module with
-- a timer does, unless it says parallel = true).
local floor = math.floor

local M = { every = "1m" }

-- Inline tests on a simulated clock: time starts at 0 and moves only with
-- `advance`; on_timer runs at 60, 120, ... (docs/testing.md).
M.tests = {
  { name = "readings are gathered, not passed on",
    input = { site = "plant-1", unit = "F", value = 20.0 }, dropped = true },
  { input = { site = "plant-1", unit = "F", value = 22.5 }, dropped = true },
  { input = { site = "plant-2", unit = "RH", value = 40.0 }, dropped = true },
  { name = "a value that is not a number is not counted",
    input = { site = "plant-2", unit = "RH", value = "n/a" }, dropped = true },
  { name = "a minute gives one summary per site and unit", advance = "1m",
    emits = { { site = "plant-1", unit = "F", readings = 2, mean = 21.25, window_end = 60 },
              { site = "plant-2", unit = "RH", readings = 1, mean = 40.0, window_end = 60 } } },
  { name = "a quiet minute gives nothing", advance = "1m", emits = {} },
}

-- The open window: per "site/unit", the count and the sum of the values.
local window = {}

local function close(emit, window_end)
  local keys = {}
  for key in pairs(window) do keys[#keys + 1] = key end
  table.sort(keys) -- one order, run after run
  for _, key in ipairs(keys) do
    local w = window[key]
    emit({ site = w.site, unit = w.unit, readings = w.count, mean = floor(w.sum / w.count * 100 + 0.5) / 100,
           window_end = window_end })
  end
  window = {}
end

function M.process(record)
  local value, site, unit = record.value, record.site, record.unit
  if type(value) == "number" and site ~= nil and unit ~= nil then
    local key = tostring(site) .. "/" .. tostring(unit)
    local w = window[key] or { site = site, unit = unit, count = 0, sum = 0.0 }
    w.count = w.count + 1
    w.sum = w.sum + value
    window[key] = w
  end
  return nil
end

-- now: the time the tick was due, in seconds since the epoch (a float).
function M.on_timer(emit, now) close(emit, floor(now)) end

-- time.now(): the real clock in a pipeline, the simulated one under `collector test`.
function M.shutdown(emit) close(emit, floor(time.now())) end

function M.export_state() return window end

function M.migrate(old) window = old or {} end

return M
