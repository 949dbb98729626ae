-- console.lua: records to standard output, the first sink to reach for.
--   collector run --quiet examples/console.lua
--   collector run --quiet examples/console.lua | jq .value
-- format = "json" (one line each, the default), "pretty" or "logfmt".
local function brief(r)
  return { sensor = r.sensor_id, value = r.value, unit = r.unit, site = { name = r.site } }
end

pipeline "console" {
  from = source.generator { count = 3 },
  process = { brief },
  to = storage.console { format = "logfmt" },
}
