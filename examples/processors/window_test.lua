-- processors/window_test.lua: tests of processors/window.lua, for `collector test examples/processors`.
-- `advance(module, duration)` moves the module's simulated clock (0 at the start of the file)
-- and returns what its on_timer emitted on the way.
local window = require("window")

test("each minute closes its own window", function()
  run(window, { site = "plant-3", unit = "C", value = 1.0 })
  expect.eq(advance(window, "1m"), { { site = "plant-3", unit = "C", readings = 1, mean = 1.0, window_end = 60 } })
  run(window, { site = "plant-3", unit = "C", value = 3.0 })
  run(window, { site = "plant-3", unit = "C", value = 4.0 })
  expect.eq(advance(window, "1m"), { { site = "plant-3", unit = "C", readings = 2, mean = 3.5, window_end = 120 } })
end)

test("two minutes at once are two ticks; the second window is empty", function()
  run(window, { site = "plant-4", unit = "F", value = 50.0 })
  local emitted = advance(window, "2m")
  expect.eq(#emitted, 1)
  expect.eq(emitted[1].window_end, 180)
end)

test("readings without a site or a number are not counted", function()
  expect.is_nil(run(window, { unit = "F", value = 1.0 }))
  expect.is_nil(run(window, { site = "plant-5", unit = "F", value = null }))
  expect.eq(advance(window, "1m"), {})
end)
