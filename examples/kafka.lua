-- kafka.lua: generated sensor readings -> a Kafka topic -> SQLite.
-- The first pipeline produces 2,000 readings (keyed by site, so a site's
-- readings stay in order in one partition); the second reads them back as a
-- member of a consumer group, into SQLite: offsets are committed only once
-- the records before them are stored, and record ids come from the topic,
-- partition and offset, so a restart stores nothing twice.
--
-- Without a Kafka cluster of your own, start the mock one (in memory):
--   collector dev kafka --topic readings --partitions 3    (prints its address)
--   KAFKA_BROKERS=127.0.0.1:PORT collector run --once examples/kafka.lua
--
-- KAFKA_BROKERS  the bootstrap brokers (required)
-- DB             the SQLite file (default kafka-readings.db)
local brokers = env("KAFKA_BROKERS") or error("set KAFKA_BROKERS to host:port (see the top of this file)")

local produced = pipeline "produce" {
  from = source.generator { count = 2000 },
  to = storage.kafka { brokers = brokers, topic = "readings", key = "site", compression = "lz4", linger_ms = 10 },
  batch_size = 500,
}
produced:run()

local consumed = pipeline "consume" {
  from = source.kafka {
    id = "readings-consumer", -- the same on every member of the group: record ids derive from it
    brokers = brokers,
    topics = { "readings" },
    group = "kafka-example",
    -- Stop once every partition is read to its end (as --once does), instead of waiting for more.
    stop_at_end = true,
  },
  process = {
    function(r)
      if r.value == "n/a" then return nil end
      return r
    end,
  },
  to = storage.sqlite { id = "db", path = env("DB", "kafka-readings.db") },
  dead_letter = storage.memory {},
}
local report = consumed:run()
print(string.format("consumed %d, stored %d", report.input, report.stored.db or 0))
