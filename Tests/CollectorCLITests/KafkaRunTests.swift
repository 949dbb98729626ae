import Foundation
import Testing

/// `collector dev kafka` (librdkafka's mock cluster) as the broker of
/// pipelines run by the real binary: produce, consume, SIGKILL, restart.
@Suite("collector run: Kafka", .serialized)
struct KafkaRunTests {
    /// A mock cluster in a `collector dev kafka` process, and its bootstrap address.
    final class DevKafka {
        let process: BackgroundCollector
        let brokers: String

        init(topic: String, partitions: Int, in dir: URL) throws {
            let started = try BackgroundCollector(["dev", "kafka", "--topic", topic, "--partitions", "\(partitions)"], in: dir)
            var line = ""
            _ = waitUntil(seconds: 30) {
                line = started.stdout.split(separator: "\n").first.map(String.init) ?? ""
                return !line.isEmpty
            }
            process = started
            brokers = line
        }

        deinit {
            process.signal(SIGTERM)
            _ = process.waitForExit(seconds: 10)
        }
    }

    /// A member that was killed is given up after 6 s, not Kafka's default 45 s.
    static let quickSession = #"properties = { ["session.timeout.ms"] = "6000", ["heartbeat.interval.ms"] = "500" }"#

    /// Writes each line as a message, with kcat (another producer than ours).
    static func kcatProduce(_ lines: String, to topic: String, at brokers: String) throws {
        let kcat = Process()
        kcat.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        kcat.arguments = ["kcat", "-P", "-b", brokers, "-t", topic]
        let input = Pipe()
        kcat.standardInput = input
        try kcat.run()
        input.fileHandleForWriting.write(Data(lines.utf8))
        try input.fileHandleForWriting.close()
        kcat.waitUntilExit()
        try #require(kcat.terminationStatus == 0)
    }

    static func rows(_ db: String) -> Int { Int(sqliteValue(db, "SELECT count(*) FROM records")) ?? 0 }

    @Test func devKafkaPrintsItsAddressAndEndsOnSIGTERM() throws {
        let dir = try PipelineRunTests.directory()
        let kafka = try DevKafka(topic: "t", partitions: 2, in: dir)
        #expect(kafka.brokers.hasPrefix("127.0.0.1:"), "\(kafka.process.stdout) \(kafka.process.stderr)")
        kafka.process.signal(SIGTERM)
        #expect(kafka.process.waitForExit(seconds: 30) == 0)
    }

    @Test func devRefusesWhatItDoesNotKnow() throws {
        let unknown = try Collector.run(["dev", "zookeeper"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown service 'zookeeper'"), "\(unknown.stderr)")
        let zero = try Collector.run(["dev", "kafka", "--partitions", "0"])
        #expect(zero.status == 2)
        #expect(zero.stderr.contains("--partitions needs a number from 1 to 1000"), "\(zero.stderr)")
    }

    /// Offsets are committed only once records are stored: a consumer
    /// killed mid-stream and started again loses nothing, and what it reads
    /// again has the same record ids, so SQLite stores every record once.
    @Test func aConsumerKilledMidStreamAndStartedAgainStoresEveryRecordOnce() throws {
        let dir = try PipelineRunTests.directory()
        let kafka = try DevKafka(topic: "events", partitions: 3, in: dir)
        try #require(kafka.brokers.hasPrefix("127.0.0.1:"), "\(kafka.process.stderr)")
        let count = 30_000
        let input = dir.appendingPathComponent("in.jsonl").path
        try (1...count).map { "{\"n\":\($0),\"k\":\"k\($0 % 11)\"}\n" }.joined().write(toFile: input, atomically: true, encoding: .utf8)
        let produce = try PipelineRunTests.write("""
            pipeline "produce" {
              from = source.file { path = "\(input)", mode = "lines" },
              to = storage.kafka { brokers = "\(kafka.brokers)", topic = "events", key = "k" },
              batch_size = 1000,
            }
            """, "produce.lua", in: dir)
        let produced = try Collector.run(["run", produce, "--quiet"])
        #expect(produced.status == 0, "\(produced.stderr)")

        let db = dir.appendingPathComponent("out.db").path
        let consume = try PipelineRunTests.write("""
            pipeline "consume" {
              from = source.kafka { brokers = "\(kafka.brokers)", topics = { "events" }, group = "store", \(Self.quickSession) },
              to = storage.sqlite { id = "db", path = "\(db)" },
              batch_size = 100,
            }
            """, "consume.lua", in: dir)
        let first = try BackgroundCollector(["run", consume, "--quiet"], in: dir)
        #expect(waitUntil { Self.rows(db) > 2_000 }, "the first run stores records: \(first.stderr)")
        first.signal(SIGKILL)
        #expect(first.waitForExit() == -SIGKILL)
        #expect(Self.rows(db) < count, "killed mid-stream")

        // --once: the second run ends once every partition is read to its end.
        let second = try BackgroundCollector(["run", consume, "--once", "--quiet"], in: dir)
        #expect(second.waitForExit(seconds: 180) == 0, "\(second.stderr)")
        #expect(sqliteValue(db, "SELECT count(*), count(DISTINCT json_extract(data, '$.n')) FROM records") == "\(count)|\(count)")
        #expect(sqliteValue(db, "SELECT min(json_extract(data, '$.n')), max(json_extract(data, '$.n')) FROM records") == "1|\(count)")
    }

    /// SIGTERM: what was stored is committed before the member leaves, so the next run reads nothing again.
    @Test func aStoppedConsumerCommitsWhatItStored() throws {
        let dir = try PipelineRunTests.directory()
        let kafka = try DevKafka(topic: "done", partitions: 2, in: dir)
        try #require(kafka.brokers.hasPrefix("127.0.0.1:"), "\(kafka.process.stderr)")
        try Self.kcatProduce((1...500).map { "{\"n\":\($0)}\n" }.joined(), to: "done", at: kafka.brokers)
        let db = dir.appendingPathComponent("out.db").path
        let script = try PipelineRunTests.write("""
            pipeline "consume" {
              from = source.kafka { brokers = "\(kafka.brokers)", topics = { "done" }, group = "done", \(Self.quickSession) },
              to = storage.sqlite { id = "db", path = "\(db)" },
            }
            """, "consume.lua", in: dir)
        let first = try BackgroundCollector(["run", script], in: dir)
        #expect(waitUntil { Self.rows(db) == 500 }, "\(first.stderr)")
        first.signal(SIGTERM)
        #expect(first.waitForExit() == 0, "\(first.stderr)")
        #expect(first.stdout.contains("pipeline consume: 500 in"), "\(first.stdout)")

        let second = try Collector.run(["run", script, "--once"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("pipeline consume: 0 in"), "nothing read again: \(second.stdout)")
        #expect(Self.rows(db) == 500)
    }

    /// A message that is not JSON is dead-lettered; the messages after it are stored.
    @Test func aPoisonMessageIsDeadLetteredAndConsumptionGoesOn() throws {
        let dir = try PipelineRunTests.directory()
        let kafka = try DevKafka(topic: "mixed", partitions: 1, in: dir)
        try #require(kafka.brokers.hasPrefix("127.0.0.1:"), "\(kafka.process.stderr)")
        try Self.kcatProduce("{\"n\":1}\n{\"n\":2}\n{\"n\": oops\n{\"n\":3}\n", to: "mixed", at: kafka.brokers)

        let db = dir.appendingPathComponent("out.db").path
        let dead = dir.appendingPathComponent("dead.jsonl").path
        let script = try PipelineRunTests.write("""
            pipeline "consume" {
              from = source.kafka { brokers = "\(kafka.brokers)", topics = { "mixed" }, group = "poison" },
              to = storage.sqlite { id = "db", path = "\(db)" },
              dead_letter = storage.jsonl { path = "\(dead)" },
            }
            """, "consume.lua", in: dir)
        let run = try Collector.run(["run", script, "--once"])
        #expect(sqliteValue(db, "SELECT group_concat(json_extract(data, '$.n')) FROM (SELECT data FROM records ORDER BY json_extract(data, '$.n'))") == "1,2,3")
        let letters = (try? String(contentsOfFile: dead, encoding: .utf8)) ?? ""
        #expect(letters.split(separator: "\n").count == 1, "\(letters) \(run.stderr)")
        #expect(letters.contains("oops"), "\(letters)")
    }

    /// `split`: a message holding an array is a record per element, each with an id of its own.
    @Test func aMessageHoldingAnArrayIsSplit() throws {
        let dir = try PipelineRunTests.directory()
        let kafka = try DevKafka(topic: "arrays", partitions: 1, in: dir)
        try #require(kafka.brokers.hasPrefix("127.0.0.1:"), "\(kafka.process.stderr)")
        try Self.kcatProduce("[{\"n\":1},{\"n\":2}]\n[{\"n\":3}]\n", to: "arrays", at: kafka.brokers)
        let db = dir.appendingPathComponent("out.db").path
        let script = try PipelineRunTests.write("""
            pipeline "consume" {
              from = source.kafka { brokers = "\(kafka.brokers)", topics = { "arrays" }, group = "split", split = true },
              to = storage.sqlite { id = "db", path = "\(db)" },
            }
            """, "consume.lua", in: dir)
        let run = try Collector.run(["run", script, "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(sqliteValue(db, "SELECT count(DISTINCT location_id), group_concat(json_extract(data, '$.n')) FROM (SELECT * FROM records ORDER BY json_extract(data, '$.n'))") == "3|1,2,3")
    }

    @Test func badOptionsAreErrorsAtTheScriptsLine() throws {
        let missing = try Collector.script("\nlocal s = source.kafka { topics = { 't' }, group = 'g' }\n")
        let outcome = try Collector.run(["check", missing])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains(":2: source.kafka: option 'brokers' is required"), "\(outcome.stderr)")

        let unknown = try Collector.script(
            "local s = storage.kafka { brokers = '127.0.0.1:9', topic = 't',\n properties = { ['no.such.thing'] = '1' } }\n")
        let refused = try Collector.run(["check", unknown])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains(":1: storage.kafka: unknown librdkafka property 'no.such.thing'"), "\(refused.stderr)")
    }
}
