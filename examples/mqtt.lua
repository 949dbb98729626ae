-- mqtt.lua: sensor readings through an MQTT broker and back.
-- One pipeline publishes generated readings to the broker (a topic per
-- sensor); another subscribes to them and keeps what arrives. The reader
-- is started first and the writer publishes until the reader has seen 200
-- readings. The generator's workload has readings without a sensor_id on
-- purpose: the writer drops them, since their topic could not be made (one
-- that reached storage.mqtt would be dead-lettered alone, with the field named).
--
--   MQTT_URL=mqtt://127.0.0.1:1883 collector run examples/mqtt.lua
--
-- Without a broker of your own, start a throwaway one (prints its port):
--   python3 Tests/Fixtures/mqtt_broker.py /tmp/broker &
--
-- MQTT_URL  the broker (required)
local url = env("MQTT_URL") or error("set MQTT_URL to the broker's mqtt:// URL (see the top of this file)")

local received = storage.memory {}
local refused = storage.memory {}
local reader = pipeline "mqtt_in" {
  from = source.mqtt {
    url = url,
    topics = { "example/readings/#" },
    qos = 1,
    client_id = "example-reader",
  },
  to = received,
  batch_size = 50,
  dead_letter = refused,
}

local function with_sensor(r)
  if r.sensor_id == nil then return nil end
  return r
end

local writer = pipeline "mqtt_out" {
  from = source.generator { rate = 2000 },
  process = { with_sensor },
  to = storage.mqtt { url = url, topic = "example/readings/%{sensor_id}", qos = 1 },
  batch_size = 50,
}

reader:start()
writer:start()
-- `collector check` starts no pipeline: there is nothing to wait for.
if reader.status ~= "running" then return end
local seen = reader:tap("input", 200, "30s")
writer:stop()
writer:wait()
reader:stop()
local report = reader:wait()
print(string.format("mqtt: the reader saw %d readings at its input; stored %d, dead letters %d (%s)",
  #seen, received:count(), refused:count(), report.status))
if #seen < 200 then error("the reader saw only " .. #seen .. " readings") end
