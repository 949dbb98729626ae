import Foundation
import Testing

/// `source.mqtt` and `storage.mqtt` from scripts, with the real `collector`
/// binary and a throwaway mosquitto broker on loopback
/// (Tests/Fixtures/mqtt_broker.py).
@Suite("collector run: MQTT", .timeLimit(.minutes(2)))
struct MQTTRunTests {
    /// A broker for one test: the fixture, its port, killed at the end.
    final class Broker {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mqtt-cli-\(UUID().uuidString)")
        private(set) var fixture: LoopbackFixture

        init() throws {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            fixture = try LoopbackFixture("mqtt_broker.py", arguments: [directory.path])
            // Listening once a connection is accepted.
            for _ in 0..<100 where !Self.accepts(fixture.port) { Thread.sleep(forTimeInterval: 0.05) }
        }

        /// Stops the broker as an operator would (SIGTERM: it saves its sessions).
        func stop() {
            fixture.process.terminate()
            fixture.process.waitUntilExit()
        }

        /// Starts it again on the same port, with the sessions it saved.
        func start() throws {
            fixture = try LoopbackFixture("mqtt_broker.py", arguments: [directory.path, String(fixture.port)])
            for _ in 0..<100 where !Self.accepts(fixture.port) { Thread.sleep(forTimeInterval: 0.05) }
        }

        /// What a persistent session holds now, as lines (mosquitto_sub until `count`, or 5 s of nothing).
        func drain(session: String, count: Int) throws -> [String] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/mosquitto_sub")
            process.arguments = [
                "-h", "127.0.0.1", "-p", String(fixture.port), "-i", session, "-c", "-q", "1", "-t", "#", "-C", String(count), "-W", "5",
            ]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        }

        var url: String { "mqtt://127.0.0.1:\(fixture.port)" }

        /// Publishes one message with mosquitto_pub at QoS 1.
        func publish(_ topic: String, _ message: String) throws {
            try run("/usr/bin/mosquitto_pub", ["-q", "1", "-t", topic, "-m", message])
        }

        /// Runs a mosquitto client program against the broker, to its end.
        func run(_ program: String, _ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = ["-h", "127.0.0.1", "-p", String(fixture.port)] + arguments
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(program) \(arguments) failed")
        }

        private static func accepts(_ port: Int) -> Bool {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
        }

        deinit { try? FileManager.default.removeItem(at: directory) }
    }

    /// Waits (bounded) until `file` has `lines` lines; its lines.
    private func lines(of file: URL, atLeast lines: Int) -> [String] {
        var found: [String] = []
        for _ in 0..<300 {
            let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            found = text.split(separator: "\n").map(String.init)
            if found.count >= lines { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return found
    }

    @Test func messagesAreStoredAndAPayloadThatIsNotJSONIsDeadLettered() throws {
        let broker = try Broker()
        let output = broker.directory.appendingPathComponent("out.jsonl")
        let letters = broker.directory.appendingPathComponent("letters.jsonl")
        let script = try Collector.script("""
            pipeline "mqtt" {
              from = source.mqtt { url = "\(broker.url)", topics = { "plant/+/readings" }, client_id = "cli-reader", clean_session = false },
              to = storage.jsonl { path = "\(output.path)", sync = "batch" },
              batch_size = 1,
              dead_letter = storage.jsonl { path = "\(letters.path)" },
            }
            """)
        // The session exists before the collector starts (mosquitto_sub makes it and leaves), so what
        // is published now waits for the collector in the broker: a persistent session, from the command line.
        try broker.run("/usr/bin/mosquitto_sub", ["-i", "cli-reader", "-c", "-q", "1", "-t", "plant/+/readings", "-E"])
        try broker.publish("plant/1/readings", #"{"n":1,"value":20.5}"#)
        try broker.publish("plant/2/readings", "not json {")
        try broker.publish("plant/3/readings", #"{"n":3,"value":-1}"#)
        let process = Process()
        process.executableURL = Collector.executable
        process.arguments = ["run", script, "--quiet"]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let stored = lines(of: output, atLeast: 2)
        let refused = lines(of: letters, atLeast: 1)
        kill(process.processIdentifier, SIGINT)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(stderr)")
        #expect(stored.count == 2, "\(stderr)")
        #expect(stored.first?.contains(#""n":1"#) == true)
        #expect(stored.last?.contains(#""n":3"#) == true)
        #expect(refused.count == 1, "\(stderr)")
        #expect(refused.first?.contains("not json {") == true, "\(refused)")
    }

    @Test func badOptionsAreErrorsAtTheirLine() throws {
        let cases: [(String, String)] = [
            ("local s = source.mqtt { url = 'http://127.0.0.1', topics = { 'a' } }", ":1: source.mqtt: option 'url' must be an mqtt:// or mqtts:// URL"),
            ("local s = source.mqtt { url = 'mqtt://127.0.0.1' }", ":1: source.mqtt: option 'topics' is required"),
            ("local s = source.mqtt { url = 'mqtt://127.0.0.1', topics = { 'a/#/b' } }", ":1: source.mqtt: option 'topics': \"a/#/b\" has '#' other than as the whole last level"),
            ("local s = source.mqtt { url = 'mqtt://127.0.0.1', topics = { 'a' }, qos = 3 }", ":1: source.mqtt: option 'qos' must be an integer from 0 to 2, got 3"),
            ("local s = source.mqtt { url = 'mqtt://127.0.0.1', topics = { 'a' }, clean_session = false }", ":1: source.mqtt: option 'clean_session = false' needs a 'client_id'"),
            ("local s = source.mqtt { url = 'mqtt://127.0.0.1', topics = { 'a' }, share_group = 'a/b' }", ":1: source.mqtt: option 'share_group' must be a name without '/'"),
            ("local s = source.mqtt { url = 'mqtt://127.0.0.1', topics = { 'a' }, ca_file = 'ca.pem' }", ":1: source.mqtt: option 'ca_file' needs an mqtts:// URL"),
            ("local db = storage.mqtt { url = 'mqtt://127.0.0.1', topic = 'out/%{site' }", ":1: storage.mqtt: option 'topic': '%{' without its '}'"),
            ("local db = storage.mqtt { url = 'mqtt://127.0.0.1', topic = 'out/#' }", ":1: storage.mqtt: option 'topic': the topic \"out/#\" has a wildcard"),
            ("local db = storage.mqtt { url = 'mqtts://127.0.0.1', topic = 'x', cert_file = 'c.pem' }", ":1: storage.mqtt: options 'cert_file' and 'key_file' go together"),
        ]
        for (source, expected) in cases {
            let script = try Collector.script(source)
            let outcome = try Collector.run(["check", script])
            #expect(outcome.status == 2, "\(source): \(outcome.stderr)")
            #expect(outcome.stderr.contains(script + expected), "\(outcome.stderr)")
        }
    }

    @Test func passwordsAreNeverShown() throws {
        let script = try Collector.script("""
            local s = source.mqtt { url = "mqtt://user:url-secret-1@127.0.0.1:1", topics = { "a" }, password = "option-secret-2" }
            local db = storage.mqtt { url = "mqtt://u:url-secret-3@127.0.0.1:1", topic = "x" }
            print(tostring(s), tostring(db))
            """)
        let outcome = try Collector.run(["check", script])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("source.mqtt(") && outcome.stdout.contains("storage.mqtt("), "\(outcome.stdout)")
        for secret in ["url-secret-1", "option-secret-2", "url-secret-3"] {
            #expect(!outcome.stdout.contains(secret) && !outcome.stderr.contains(secret), "\(outcome.stdout)")
        }
    }

    /// A broker that goes away mid-run: storage.mqtt's batches are retried,
    /// then spooled (exit status 3); the next run, with the broker back,
    /// publishes what the spool kept, and nothing is lost or doubled.
    @Test func aBrokerDownMidRunSpoolsTheRecordsAndTheNextRunPublishesThem() throws {
        let broker = try Broker()
        try broker.run("/usr/bin/mosquitto_sub", ["-i", "spool-reader", "-c", "-q", "1", "-t", "out/#", "-E"])
        let script = try Collector.script("""
            pipeline "out" {
              from = source.generator { count = 60, rate = 20 },
              to = storage.mqtt { url = "\(broker.url)", topic = "out/%{sensor_id}", connect_timeout = "1s" },
              spool = "\(broker.directory.path)/spool.db",
              batch_size = 5,
              dead_letter = storage.memory {},
            }
            """)
        let first = try BackgroundCollector(["run", script, "--drain-timeout", "2s"], in: broker.directory)
        Thread.sleep(forTimeInterval: 0.5)
        broker.stop()
        let firstStatus = first.waitForExit()
        #expect(firstStatus == 3, "\(first.stderr)")
        #expect(first.stderr.contains("the MQTT broker \(broker.url)"), "\(first.stderr)")
        let spooled = Self.number(after: "spooled ", in: first.stdout)
        #expect(spooled > 0, "\(first.stdout)")

        try broker.start()
        let second = try BackgroundCollector(["run", script], in: broker.directory)
        #expect(second.waitForExit() == 0, "\(second.stderr)")
        #expect(Self.number(after: "replayed ", in: second.stdout) == spooled, "\(second.stdout)")
        #expect(second.stdout.contains("0 left in the spool"), "\(second.stdout)")

        // Every message the two runs stored waits in the reader's session: each record of each run once.
        let total = Self.number(after: "stored mqtt-1=", in: first.stdout) + spooled + Self.number(after: "stored mqtt-1=", in: second.stdout)
        let messages = try broker.drain(session: "spool-reader", count: total)
        #expect(messages.count == total, "\(first.stdout)\n\(second.stdout)")
        #expect(Set(messages).count == 60, "the 60 generated readings, each run's the same")
    }

    private static func number(after label: String, in text: String) -> Int {
        guard let range = text.range(of: label) else { return 0 }
        return Int(text[range.upperBound...].prefix { $0.isNumber }) ?? 0
    }
}
