import CollectorMQTT
import CollectorValues
import Collectors
import Foundation

enum MQTTTest {
    /// A source on the broker with quick reconnects, for tests.
    static func source(
        _ broker: MosquittoBroker, id: String = "mqtt-in", topics: [String], qos: Int = 1, clientID: String? = nil,
        clean: Bool = true, group: String? = nil, format: DataFormat = .json, client: MQTTClientSettings? = nil,
        url: String? = nil, inbox: Int = 100
    ) -> MQTTSource {
        var settings = client ?? MQTTClientSettings()
        settings.clientID = clientID ?? settings.clientID
        settings.cleanSession = clean
        return MQTTSource(
            id: id, endpoint: MQTTEndpoint(url: url ?? broker.url)!,
            options: .init(
                client: settings, topics: topics, qos: qos, shareGroup: group, format: format, inboxCapacity: inbox,
                reconnectDelay: .milliseconds(50), maxReconnectDelay: .milliseconds(200), maxReconnectAttempts: 200))
    }

    /// A backend on the broker, connected.
    static func storage(_ broker: MosquittoBroker, topic: String, qos: Int = 1, retain: Bool = false) async throws -> MQTTStorage {
        let storage = MQTTStorage(
            id: "mqtt-out", endpoint: MQTTEndpoint(url: broker.url)!,
            options: .init(topic: try MQTTTopicTemplate(topic), qos: qos, retain: retain, timeout: .seconds(10)))
        try await storage.connect()
        return storage
    }

    /// Collects `count` items, going on after the retryable reports of a
    /// lost connection (as a pipeline does), within a bound.
    static func collect(_ source: MQTTSource, count: Int, within limit: Duration = .seconds(20)) async throws -> [CollectedData] {
        try await collect(source, within: limit, what: "\(count) messages") { $0.count >= count }
    }

    /// Collects until every number of `expected` has come (at QoS 1 some may come twice).
    static func collect(_ source: MQTTSource, numbers expected: Set<Int>, within limit: Duration = .seconds(20)) async throws -> [CollectedData] {
        try await collect(source, within: limit, what: "\(expected.count) distinct messages") { items in
            expected.isSubset(of: Set((try? numbers(items)) ?? []))
        }
    }

    private static func collect(
        _ source: MQTTSource, within limit: Duration, what: String, done: @escaping @Sendable ([CollectedData]) -> Bool
    ) async throws -> [CollectedData] {
        let got = Locked<[CollectedData]>([])
        return try await withThrowingTaskGroup(of: [CollectedData].self) { group in
            group.addTask {
                while !done(got.withLock({ $0 })) {
                    do {
                        let item = try await source.collect()
                        got.withLock { $0.append(item) }
                    } catch let error as ErrorInfo where error.isRetryable {
                        continue
                    }
                }
                return got.withLock { $0 }
            }
            group.addTask {
                try await Task.sleep(for: limit)
                let numbers = (try? numbers(got.withLock { $0 })) ?? []
                throw BrokerError("timed out waiting for \(what); got \(numbers.count): \(numbers)")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    /// What the source receives until nothing has come for `quiet`.
    static func drain(_ source: MQTTSource, quiet: Duration) async throws -> [CollectedData] {
        var items: [CollectedData] = []
        while true {
            let next = await withTaskGroup(of: CollectedData?.self) { group in
                group.addTask { try? await source.collect() }
                group.addTask {
                    try? await Task.sleep(for: quiet)
                    return nil
                }
                let first = await group.next() ?? nil
                group.cancelAll()
                return first
            }
            guard let next else { return items }
            items.append(next)
        }
    }

    /// The `n` field of each item's JSON payload.
    static func numbers(_ items: [CollectedData]) throws -> [Int] {
        try items.map { item in
            guard case .object(let object) = try JSONReader().read(item.payload), case .integer(let n)? = object["n"] else {
                throw BrokerError("unexpected payload \(String(decoding: item.payload, as: UTF8.self))")
            }
            return Int(n)
        }
    }

    static func records(_ range: ClosedRange<Int>, site: String = "north") -> [DataValue] {
        range.map { .object(["n": .integer(Int64($0)), "site": .string(site)]) }
    }
}
