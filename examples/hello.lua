-- hello.lua: the engine runs Lua 5.4 with type-faithful values.
--   collector run examples/hello.lua
local reading = { sensor_id = "s-0593", value = 20.73, ts = 1764288000009, tags = { line = "c" } }

print(("hello from %s inside DataCollector"):format(_VERSION))
print(("ts %d is an %s, value %.2f is a %s"):format(
  reading.ts, math.type(reading.ts), reading.value, math.type(reading.value)))
print("null is a value of its own: " .. tostring(null))
