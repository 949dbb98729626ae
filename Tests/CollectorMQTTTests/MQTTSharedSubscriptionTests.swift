import CollectorMQTT
import CollectorValues
import Collectors
import Foundation
import Testing

@Suite("MQTT shared subscriptions")
struct MQTTSharedSubscriptionTests {
    @Test func twoSourcesInOneShareGroupGetEachMessageOnce() async throws {
        let broker = try MosquittoBroker()
        let one = MQTTTest.source(broker, id: "one", topics: ["jobs/#"], clientID: "worker-1", group: "collectors")
        let two = MQTTTest.source(broker, id: "two", topics: ["jobs/#"], clientID: "worker-2", group: "collectors")
        try await one.connect()
        try await two.connect()
        let storage = try await MQTTTest.storage(broker, topic: "jobs/new")
        _ = try await storage.store(batch: MQTTTest.records(1...40))
        let counter = Locked<[Int]>([])
        // Each source reads until all 40 are in, between them.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for source in [one, two] {
                group.addTask {
                    while counter.withLock({ $0.count }) < 40 {
                        let item = try await source.collect()
                        let n = try MQTTTest.numbers([item])[0]
                        counter.withLock { $0.append(n) }
                    }
                }
            }
            group.addTask {
                while counter.withLock({ $0.count }) < 40 { try await Task.sleep(for: .milliseconds(20)) }
                // Anything more than once would arrive right behind; give it the chance.
                try await Task.sleep(for: .milliseconds(300))
                throw CancellationError()
            }
            do {
                try await group.next()
            } catch is CancellationError {}
            group.cancelAll()
        }
        let numbers = counter.withLock { $0 }
        #expect(numbers.sorted() == Array(1...40))
        await storage.disconnect()
        await one.disconnect()
        await two.disconnect()
    }
}
