import CollectorMQTT
import CollectorValues
import Collectors
import Foundation
import Testing

@Suite("MQTT round trip")
struct MQTTRoundTripTests {
    @Test func recordsPublishedByTheBackendArriveAtTheSourceWithTheirTopic() async throws {
        let broker = try MosquittoBroker()
        let source = MQTTTest.source(broker, topics: ["out/#"])
        try await source.connect()
        let storage = try await MQTTTest.storage(broker, topic: "out/%{site}")
        try await storage.connect()
        let stored = try await storage.store(batch: MQTTTest.records(1...10, site: "north") + MQTTTest.records(11...20, site: "south"))
        #expect(stored.count == 20)
        let items = try await MQTTTest.collect(source, count: 20)
        #expect(try MQTTTest.numbers(items).sorted() == Array(1...20))
        for item in items {
            let n = try MQTTTest.numbers([item])[0]
            #expect(item.metadata["topic"] == .string(n <= 10 ? "out/north" : "out/south"))
            #expect(item.metadata["qos"] == .integer(1))
            #expect(item.metadata["retain"] == .bool(false))
            #expect(item.method == .mqtt)
            #expect(item.format == .json)
        }
        await storage.disconnect()
        await source.disconnect()
    }

    @Test(arguments: [0, 2]) func everyQoSDelivers(qos: Int) async throws {
        let broker = try MosquittoBroker()
        let source = MQTTTest.source(broker, topics: ["q/+"], qos: qos)
        try await source.connect()
        let storage = try await MQTTTest.storage(broker, topic: "q/fixed", qos: qos)
        try await storage.connect()
        _ = try await storage.store(batch: MQTTTest.records(1...5))
        let items = try await MQTTTest.collect(source, count: 5)
        #expect(try MQTTTest.numbers(items) == [1, 2, 3, 4, 5])
        #expect(items.allSatisfy { $0.metadata["qos"] == .integer(Int64(qos)) })
        await storage.disconnect()
        await source.disconnect()
    }

    @Test func aRecordWithoutTheTopicFieldFailsTheBatchBeforeAnythingIsPublished() async throws {
        let broker = try MosquittoBroker()
        let source = MQTTTest.source(broker, topics: ["out/#"])
        try await source.connect()
        let storage = try await MQTTTest.storage(broker, topic: "out/%{site}")
        try await storage.connect()
        let records: [DataValue] = [.object(["n": .integer(1), "site": .string("a")]), .object(["n": .integer(2)])]
        let error = try await #require(throws: ErrorInfo.self) { try await storage.store(batch: records) }
        #expect(error.type == .validation)
        #expect(!error.isRetryable)
        #expect(error.message.contains("no field 'site'"))
        #expect(error.details["record_index"] == .integer(1))
        // Nothing of the failed batch went out: the next message is the first of the next batch.
        _ = try await storage.store(batch: [.object(["n": .integer(3), "site": .string("b")])])
        let items = try await MQTTTest.collect(source, count: 1)
        #expect(try MQTTTest.numbers(items) == [3])
        await storage.disconnect()
        await source.disconnect()
    }

    @Test func aBrokerThatIsDownIsARetryableStorageError() async throws {
        let broker = try MosquittoBroker()
        let storage = try await MQTTTest.storage(broker, topic: "out/x")
        try await storage.connect()
        broker.stop()
        let error = try await #require(throws: ErrorInfo.self) { try await storage.store(batch: MQTTTest.records(1...3)) }
        #expect(error.type == .connection)
        #expect(error.isRetryable)
        // Once the broker is back the next store connects again.
        try broker.start()
        let stored = try await storage.store(batch: MQTTTest.records(1...3))
        #expect(stored.count == 3)
        await storage.disconnect()
    }

    @Test func anUnreachableBrokerIsARetryableConnectError() async throws {
        let broker = try MosquittoBroker()
        let source = MQTTTest.source(broker, topics: ["a/b"], url: "mqtt://127.0.0.1:1")
        let error = try await #require(throws: ErrorInfo.self) { try await source.connect() }
        #expect(error.type == .connection)
        #expect(error.isRetryable)
        #expect(error.message.contains("could not connect to the MQTT broker mqtt://127.0.0.1:1"))
    }

    @Test func disconnectEndsAWaitingCollectPromptly() async throws {
        let broker = try MosquittoBroker()
        let source = MQTTTest.source(broker, topics: ["quiet/#"])
        try await source.connect()
        let waiting = Task { try await source.collect() }
        try await Task.sleep(for: .milliseconds(100))
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        await source.disconnect()
    }

    @Test func aTextPayloadThatIsNotUTF8IsRefusedAsAnItemOfItsOwn() async throws {
        let broker = try MosquittoBroker()
        let source = MQTTTest.source(broker, topics: ["logs/#"], format: .text)
        try await source.connect()
        let file = broker.directory.appendingPathComponent("bad.bin")
        try Data([0x61, 0xFF, 0x62]).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/mosquitto_pub")
        process.arguments = ["-h", "127.0.0.1", "-p", String(broker.port), "-q", "1", "-t", "logs/app", "-f", file.path]
        try process.run()
        MosquittoBroker.reap(process)
        let items = try await MQTTTest.collect(source, count: 1)
        let refusal = try #require(items.first?.refusal)
        #expect(refusal.type == .validation)
        #expect(refusal.message.contains("topic 'logs/app' is not UTF-8"), "\(refusal.message)")
        #expect(items.first?.payload == [0x61, 0xFF, 0x62])
        await source.disconnect()
    }

    @Test func refusedCredentialsAreAClearErrorNotRetried() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mqtt-auth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let passwords = directory.appendingPathComponent("passwords").path
        let make = Process()
        make.executableURL = URL(fileURLWithPath: "/usr/bin/mosquitto_passwd")
        make.arguments = ["-c", "-b", passwords, "collector", "right-password"]
        try make.run()
        MosquittoBroker.reap(make)
        let broker = try MosquittoBroker(config: ["allow_anonymous false", "password_file \(passwords)"], directory: directory)
        let right = MQTTTest.source(
            broker, topics: ["a/#"], client: MQTTClientSettings(username: "collector", password: "right-password"))
        try await right.connect()
        await right.disconnect()
        let wrong = MQTTTest.source(
            broker, topics: ["a/#"], client: MQTTClientSettings(username: "collector", password: "wrong-password"))
        let error = try await #require(throws: ErrorInfo.self) { try await wrong.connect() }
        #expect(!error.isRetryable)
        #expect(error.message.contains("refused the connection"), "\(error.message)")
        #expect(!error.message.contains("wrong-password"))
    }

    /// More publishes than 16-bit packet ids can tell apart, in one batch.
    @Test func aBatchOfMoreThan65535RecordsIsStoredWhole() async throws {
        let broker = try MosquittoBroker()
        let source = MQTTTest.source(broker, topics: ["bulk/#"], inbox: 1000)
        try await source.connect()
        let storage = try await MQTTTest.storage(broker, topic: "bulk/all")
        let reader = Task { try await MQTTTest.collect(source, count: 70_000, within: .seconds(90)) }
        let stored = try await storage.store(batch: MQTTTest.records(1...70_000))
        #expect(stored.count == 70_000)
        let numbers = try MQTTTest.numbers(try await reader.value)
        #expect(numbers.count == 70_000)
        #expect(Set(numbers).count == 70_000)
        await storage.disconnect()
        await source.disconnect()
    }
}
