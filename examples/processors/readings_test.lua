-- processors/readings_test.lua: tests of processors/readings.lua, for `collector test examples/processors`.
local readings = require("readings")

test("integers stay integers, other fields pass untouched", function()
  local out = run(readings, { sensor_id = "s-1", ts = 1700000000, value = 12.5, unit = "F", tags = { line = "a" } })
  expect.eq(math.type(out.ts), "integer")
  expect.eq(out.tags, { line = "a" })
  expect.eq(out.severity, "normal")
end)

test("the threshold is on the unrounded value", function()
  expect.eq(run(readings, { sensor_id = "s", ts = 1, value = 90.004, unit = "F" }).severity, "high")
  expect.eq(run(readings, { sensor_id = "s", ts = 1, value = 90.0, unit = "F" }).severity, "normal")
end)

test("null is not a number", function()
  expect.is_nil(run(readings, { sensor_id = "s", ts = 1, value = null }))
end)
