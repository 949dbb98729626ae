-- processors/enrich.lua: adds what is known about the reading's site: its
-- region and time zone. Processor files are sandboxed (no io, no env), so the
-- lookup table lives in the module; a real one could be generated into it.
-- Stateless: it runs in one Lua state per core.
local sites = {
  ["plant-1"] = { region = "north", tz = "Europe/Oslo" },
  ["plant-2"] = { region = "north", tz = "Europe/Stockholm" },
  ["plant-3"] = { region = "west", tz = "Europe/Dublin" },
  ["plant-4"] = { region = "west", tz = "Europe/Lisbon" },
  ["plant-5"] = { region = "south", tz = "Europe/Madrid" },
  ["plant-6"] = { region = "south", tz = "Europe/Rome" },
  ["plant-7"] = { region = "east", tz = "Europe/Warsaw" },
  ["plant-8"] = { region = "east", tz = "Europe/Helsinki" },
}

local M = {}

-- (types/collector.lua describes records and the hooks, for editors.)
---@param record collector.Record
---@return collector.Record
function M.process(record)
  local site = sites[record.site]
  if site == nil then
    log.warn("unknown site", { site = tostring(record.site) })
    record.region = "unknown"
    return record
  end
  record.region = site.region
  record.tz = site.tz
  return record
end

return M
