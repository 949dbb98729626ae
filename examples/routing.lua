-- routing.lua: records go to outputs by their content. Application log lines
-- go to routing_main.jsonl, errors and warnings to routing_alerts.jsonl (a
-- warning to both), by the value of their "level" field; a processor sends
-- slow requests to the alerts too, whatever their level; debug lines go
-- nowhere (counted as unrouted). Offline.
--
--   collector run examples/routing.lua
--
-- Writes routing_main.jsonl and routing_alerts.jsonl in the working directory
-- (replaced on each run).
for _, file in ipairs { "routing_main.jsonl", "routing_alerts.jsonl" } do os.remove(file) end

local lines = table.concat({
  '{"level":"info","path":"/","ms":12}',
  '{"level":"error","path":"/pay","ms":40,"msg":"card declined"}',
  '{"level":"warn","path":"/cart","ms":95,"msg":"retrying"}',
  '{"level":"debug","path":"/","ms":3}',
  '{"level":"info","path":"/search","ms":2300}',
}, "\n") .. "\n"

pipeline "routing" {
  from = source.command { id = "app", command = { "printf", "%s", lines } },
  process = {
    -- A processor may choose the outputs itself: its choice stands over `route`.
    function(r, emit)
      if r.ms > 1000 then
        r.slow = true
        emit(r, { "alerts", "main" })
        return nil
      end
      return r
    end,
  },
  to = {
    main = storage.jsonl { path = "routing_main.jsonl" },
    alerts = storage.jsonl { path = "routing_alerts.jsonl" },
  },
  -- Natively by a field's value; the same in Lua would be
  -- route = function(r) if r.level == "error" then return "alerts" ... end,
  route = {
    field = "level",
    outputs = { error = "alerts", warn = { "alerts", "main" }, info = "main" },
  },
}

local report = run().routing
if report.status == "pending" then return end -- collector check: nothing ran
print(("main=%d alerts=%d unrouted=%d"):format(
  report.backends["jsonl:routing_main.jsonl"].stored, report.backends["jsonl:routing_alerts.jsonl"].stored,
  report.unrouted))
