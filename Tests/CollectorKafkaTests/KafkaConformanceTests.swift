@testable import CollectorKafka
import CollectorConformance
import CollectorValues
import Collectors
import Foundation
import Testing

/// The conformance kit against source.kafka and storage.kafka, over the mock cluster.
@Suite("Kafka conformance", .serialized)
struct KafkaConformanceTests {
    @Test func source() async throws {
        let kafka = try KafkaFixture(partitions: 2)
        try await kafka.produce(60)
        let empty = "empty-\(UUID().uuidString.prefix(8))"
        try kafka.cluster.createTopic(empty)
        let acked = "acked-\(UUID().uuidString.prefix(8))"
        try kafka.cluster.createTopic(acked)
        let bad = "bad-\(UUID().uuidString.prefix(8))"
        try kafka.cluster.createTopic(bad)
        try await kafka.produceRaw((1...5).map { Array("{\"n\":\($0)}".utf8) }, to: acked)
        try await kafka.produceRaw([Array("{not json".utf8)] + (1...3).map { Array("{\"n\":\($0)}".utf8) }, to: bad)
        let client = kafka.groupClient
        let ackedGroup = "acked-\(UUID())"
        // The kit's crash leaves the crashed source referenced (and, in this
        // process, its consumer a live member of the group, which a crashed
        // process would not be): each new one stops the one before as a crash would.
        let previous = Locked<KafkaSource?>(nil)
        let kit = SourceConformance(
            name: "kafka",
            make: { KafkaSource(id: "kafka", options: .init(client: client, topics: [kafka.topic], group: "g-\(UUID())")) },
            idle: { KafkaSource(id: "kafka", options: .init(client: client, topics: [empty], group: "g-\(UUID())")) },
            checkpointed: {
                await previous.withLock { $0 }?.abandon()
                let source = KafkaSource(
                    id: "kafka",
                    options: .init(
                        client: client, topics: [acked], group: ackedGroup, revokeWait: .milliseconds(500), closeWait: .milliseconds(500)))
                previous.withLock { $0 = source }
                return source
            },
            badInput: .init(goodRecords: 3) {
                KafkaSource(id: "kafka", options: .init(client: client, topics: [bad], group: "g-\(UUID())"))
            })
        let report = await kit.run()
        #expect(report.failures.isEmpty, "\(report)")
        #expect(Set(report.skipped.map(\.name)).isSubset(of: [SourceConformance.Check.reconnect]), "\(report)")
    }

    @Test func backend() async throws {
        let kafka = try KafkaFixture(partitions: 2)
        let client = KafkaClientOptions(brokers: [kafka.cluster.bootstrapServers], properties: ["message.max.bytes": "20000"])
        let topic = kafka.topic
        let reader = kafka.groupClient
        let kit = BackendConformance(
            name: "kafka",
            make: { KafkaStorage(id: "kafka", options: .init(client: client, topic: topic, deliveryTimeout: .seconds(10))) },
            refusedValue: ["conformance": "x", "pad": .string(String(repeating: "x", count: 40_000))],
            // The broker down: stores wait for acknowledgements that do not come.
            blockStores: {
                kafka.cluster.setBroker(1, up: false)
                return { kafka.cluster.setBroker(1, up: true) }
            },
            readStored: {
                // A new group reads the topic to its end.
                let source = KafkaSource(
                    id: "reader", options: .init(client: reader, topics: [topic], group: "r-\(UUID())", stopAtEnd: true))
                try await source.connect()
                var values: [DataValue] = []
                for try await item in source.stream() { values.append(try JSONReader().read(item.payload)) }
                await source.disconnect()
                return values
            })
        let report = await kit.run()
        #expect(report.failures.isEmpty, "\(report)")
        #expect(
            Set(report.skipped.map(\.name)).isSubset(of: [BackendConformance.Check.recordIDs]),
            "\(report)")
    }
}
