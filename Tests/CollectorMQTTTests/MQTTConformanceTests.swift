import CollectorConformance
import CollectorMQTT
import CollectorValues
import Collectors
import Foundation
import Testing

/// The conformance kit against source.mqtt and storage.mqtt, on a throwaway broker.
@Suite("MQTT conformance", .serialized)
struct MQTTConformanceTests {
    private func expectConformance(_ report: ConformanceReport, skipping allowed: Set<String> = []) {
        #expect(report.failures.isEmpty, "\(report)")
        let skipped = Set(report.skipped.map(\.name))
        #expect(skipped.isSubset(of: allowed), "checks skipped that should have run:\n\(report)")
    }

    /// Retained messages are sent to every new subscription: each source the
    /// kit makes reads the same input anew. The source subscribes with a
    /// fresh client id each time.
    @Test func source() async throws {
        let broker = try MosquittoBroker()
        let good = try await MQTTTest.storage(broker, topic: "conformance/good/%{n}", retain: true)
        _ = try await good.store(batch: MQTTTest.records(1...30))
        await good.disconnect()
        let bad = try await MQTTTest.storage(broker, topic: "conformance/bad/%{n}", retain: true)
        _ = try await bad.store(batch: MQTTTest.records(2...3))
        await bad.disconnect()
        // storage.mqtt sends JSON only: the payload that is not JSON comes from mosquitto_pub.
        try Self.publishRetained(broker, topic: "conformance/bad/1", "not json {")
        let counter = Locked(0)
        @Sendable func make(_ filter: String) -> MQTTSource {
            let n = counter.withLock { value -> Int in
                value += 1
                return value
            }
            return MQTTTest.source(broker, id: "mqtt", topics: [filter], clientID: "conformance-\(n)")
        }
        let report = await SourceConformance(
            name: "mqtt", make: { make("conformance/good/#") },
            idle: { make("conformance/nothing/#") },
            restart: .init(make: { make("conformance/good/#") }, restartServer: { broker.stop(); try broker.start() }),
            badInput: .init(goodRecords: 2) { make("conformance/bad/#") }
        ).run()
        // Positions are the broker's (acknowledgements), not the source's to save.
        expectConformance(report, skipping: [SourceConformance.Check.acknowledgement])
    }

    /// What the backend published is read back through a persistent session
    /// subscribed before the first store: every message once, duplicates counted.
    @Test func backend() async throws {
        let broker = try MosquittoBroker()
        let reader = MQTTTest.source(broker, id: "reader", topics: ["conformance/out/#"], clientID: "conformance-reader", clean: false)
        try await reader.connect()
        await reader.disconnect()
        let read = Locked<[DataValue]>([])
        let report = await BackendConformance(
            name: "mqtt",
            make: {
                MQTTStorage(
                    id: "mqtt", endpoint: MQTTEndpoint(url: broker.url)!,
                    options: .init(topic: try MQTTTopicTemplate("conformance/out/%{n}"), timeout: .seconds(10)))
            },
            // No field 'n': its topic cannot be made.
            refusedValue: ["conformance": "refused"],
            readStored: {
                let session = MQTTTest.source(broker, id: "reader", topics: ["conformance/out/#"], clientID: "conformance-reader", clean: false)
                try await session.connect()
                let drained = try await MQTTTest.drain(session, quiet: .milliseconds(300))
                await session.disconnect()
                let values = try drained.map { try JSONReader().read($0.payload) }
                return read.withLock { all in
                    all += values
                    return all
                }
            }
        ).run()
        // Publishing does not block on anything a test could hold; MQTT keeps no record ids.
        expectConformance(report, skipping: [BackendConformance.Check.cancellation, BackendConformance.Check.recordIDs])
    }

    static func publishRetained(_ broker: MosquittoBroker, topic: String, _ message: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/mosquitto_pub")
        process.arguments = ["-h", "127.0.0.1", "-p", String(broker.port), "-q", "1", "-r", "-t", topic, "-m", message]
        try process.run()
        guard MosquittoBroker.reap(process) == 0 else { throw BrokerError("mosquitto_pub failed") }
    }
}
