@testable import CollectorKafka
import CollectorValues
import Collectors
import Foundation

/// A mock cluster with one topic, and clients made for it.
struct KafkaFixture {
    let cluster: KafkaMockCluster
    let topic: String

    init(partitions: Int = 1, brokers: Int = 1) throws {
        cluster = try KafkaMockCluster(brokers: brokers)
        topic = "t-\(UUID().uuidString.prefix(8))"
        try cluster.createTopic(topic, partitions: partitions)
    }

    var client: KafkaClientOptions { KafkaClientOptions(brokers: [cluster.bootstrapServers]) }

    /// A member that stops without leaving is given up after 3 s (the mock
    /// coordinator also waits that long for a member that left).
    var groupClient: KafkaClientOptions {
        KafkaClientOptions(
            brokers: [cluster.bootstrapServers], properties: ["session.timeout.ms": "3000", "heartbeat.interval.ms": "300"])
    }

    func source(id: String = "kafka-1", group: String, start: String = "earliest", wait: Duration = .seconds(5)) -> KafkaSource {
        KafkaSource(
            id: id,
            options: KafkaSource.Options(
                client: groupClient, topics: [topic], group: group, start: start, revokeWait: wait, closeWait: wait))
    }

    func storage(id: String = "out", timeout: Duration = .seconds(10)) -> KafkaStorage {
        KafkaStorage(id: id, options: KafkaStorage.Options(client: client, topic: topic, keyField: "k", deliveryTimeout: timeout))
    }

    /// Produces `count` records `{"n": i, "k": "key-(i % 7)"}` (i from 0) through the backend.
    func produce(_ count: Int, from start: Int = 0) async throws {
        let backend = storage()
        try await backend.connect()
        let records = (start..<(start + count)).map { n in
            Record(.object(["n": .integer(Int64(n)), "k": .string("key-\(n % 7)")]), sourceID: "test", sequence: UInt64(n + 1))
        }
        let stored = try await backend.store(records: records)
        await backend.disconnect()
        precondition(stored.count == count)
    }

    /// Sends raw bytes as messages (what another producer could write).
    func produceRaw(_ payloads: [[UInt8]], to topic: String? = nil) async throws {
        let topic = topic ?? self.topic
        let producer = try KafkaProducer(backendID: "raw", configuration: client.pairs())
        let outcomes = await producer.send(payloads.map { KafkaProducer.Outgoing(topic: topic, key: nil, payload: $0) })
        await producer.close(timeout: .seconds(5))
        precondition(outcomes.allSatisfy(\.ok))
    }
}

/// The `n` of an item's JSON payload.
func number(_ item: CollectedData) -> Int? {
    guard let object = try? JSONSerialization.jsonObject(with: Data(item.payload)) as? [String: Any] else { return nil }
    return object["n"] as? Int
}

/// Collects until `count` items came, or `seconds` passed (a bound against a hang).
func collect(_ source: KafkaSource, count: Int, seconds: Double = 60) async throws -> [CollectedData] {
    try await withThrowingTaskGroup(of: [CollectedData].self) { group in
        group.addTask {
            var items: [CollectedData] = []
            while items.count < count { items.append(try await source.collect()) }
            return items
        }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw CancellationError()
        }
        let items = try await group.next()!
        group.cancelAll()
        return items
    }
}
