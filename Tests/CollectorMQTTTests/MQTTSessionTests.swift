import CollectorMQTT
import CollectorValues
import Collectors
import Foundation
import Testing

@Suite("MQTT sessions")
struct MQTTSessionTests {
    @Test func messagesPublishedWhileThePersistentSourceWasAwayArriveWhenItComesBack() async throws {
        let broker = try MosquittoBroker()
        let first = MQTTTest.source(broker, topics: ["plant/#"], clientID: "collector-a", clean: false)
        try await first.connect()
        await first.disconnect()

        let storage = try await MQTTTest.storage(broker, topic: "plant/line1")
        _ = try await storage.store(batch: MQTTTest.records(1...25))
        await storage.disconnect()

        let again = MQTTTest.source(broker, topics: ["plant/#"], clientID: "collector-a", clean: false)
        try await again.connect()
        #expect(await again.sessionPresent)
        let items = try await MQTTTest.collect(again, count: 25)
        #expect(try MQTTTest.numbers(items) == Array(1...25))
        await again.disconnect()
    }

    @Test func aCleanSessionDoesNotGetWhatWasPublishedWhileItWasAway() async throws {
        let broker = try MosquittoBroker()
        let first = MQTTTest.source(broker, topics: ["plant/#"], clientID: "collector-b", clean: true)
        try await first.connect()
        await first.disconnect()
        let storage = try await MQTTTest.storage(broker, topic: "plant/line1")
        _ = try await storage.store(batch: MQTTTest.records(1...3))
        let again = MQTTTest.source(broker, topics: ["plant/#"], clientID: "collector-b", clean: true)
        try await again.connect()
        #expect(await !again.sessionPresent)
        _ = try await storage.store(batch: MQTTTest.records(4...4))
        let items = try await MQTTTest.collect(again, count: 1)
        #expect(try MQTTTest.numbers(items) == [4])
        await storage.disconnect()
        await again.disconnect()
    }

    @Test func aBrokerRestartMidStreamLosesNothingAtQoS1() async throws {
        let broker = try MosquittoBroker()
        // A small inbox that nobody reads yet: most of the first hundred wait in the broker's session.
        let source = MQTTTest.source(broker, topics: ["feed/#"], clientID: "collector-restart", clean: false, inbox: 5)
        try await source.connect()
        let storage = try await MQTTTest.storage(broker, topic: "feed/a")
        _ = try await storage.store(batch: MQTTTest.records(1...100))
        broker.stop()
        // While the broker is down the publisher's batch fails retryably, as the pipeline would see it.
        let down = try await #require(throws: ErrorInfo.self) { try await storage.store(batch: MQTTTest.records(101...200)) }
        #expect(down.isRetryable)
        let reader = Task { try await MQTTTest.collect(source, numbers: Set(1...200), within: .seconds(60)) }
        try broker.start()
        _ = try await storage.store(batch: MQTTTest.records(101...200))
        let items: [CollectedData]
        do {
            items = try await reader.value
        } catch {
            Issue.record("\(error)\nbroker log:\n\(broker.log)")
            return
        }
        let numbers = try MQTTTest.numbers(items)
        #expect(Set(numbers) == Set(1...200), "missing: \(Set(1...200).subtracting(numbers).sorted().prefix(20))")
        #expect(await source.connections >= 2)
        await storage.disconnect()
        await source.disconnect()
    }

    @Test func aLostConnectionIsOneRetryableReportThatSaysWhyThenTheSourceReconnects() async throws {
        let broker = try MosquittoBroker()
        let source = MQTTTest.source(broker, topics: ["feed/#"], clientID: "collector-lost", clean: false)
        try await source.connect()
        broker.stop()
        let report = try await #require(throws: ErrorInfo.self) { try await source.collect() }
        #expect(report.isRetryable)
        #expect(report.type == .connection)
        #expect(report.message.hasPrefix("lost the connection to the MQTT broker \(broker.url)"), "\(report.message)")
        #expect(!report.message.contains("Unknown reason"), "\(report.message)")
        #expect(report.details["reconnect_attempt"] == .integer(1))
        #expect(report.details["delay_seconds"] != nil)
        try broker.start()
        let storage = try await MQTTTest.storage(broker, topic: "feed/x")
        _ = try await storage.store(batch: MQTTTest.records(1...1))
        let items = try await MQTTTest.collect(source, count: 1)
        #expect(try MQTTTest.numbers(items) == [1])
        #expect(await source.connections == 2)
        await storage.disconnect()
        await source.disconnect()
    }
}
