@testable import CollectorKafka
import CollectorValues
import Collectors
import Foundation
import Testing

/// `stream()` takes the consumer's messages many at a time and hands them
/// out one by one: each keeps its own place, and only what a reader got
/// and acknowledged is committed.
@Suite("Kafka source stream", .serialized)
struct KafkaStreamTests {
    @Test func everyStreamedItemKeepsItsOwnPlaceInOrderPerPartition() async throws {
        let kafka = try KafkaFixture(partitions: 3)
        try await kafka.produce(1200)
        let source = kafka.source(group: "g-\(UUID())")
        try await source.connect()
        let items = try await streamed(source, count: 1200)
        await source.disconnect()
        #expect(items.compactMap(number).sorted() == Array(0..<1200))
        var last: [Int64: Int64] = [:]
        var sequences: [Int64] = []
        for item in items {
            guard case .integer(let partition)? = item.metadata["partition"], case .integer(let offset)? = item.metadata["offset"],
                case .integer(let sequence)? = item.checkpoint
            else {
                Issue.record("no place or checkpoint: \(item.metadata)")
                return
            }
            #expect(item.key == "\(kafka.topic)/\(partition)/\(offset)")
            #expect(offset == (last[partition] ?? -1) + 1, "partition \(partition) in order, nothing skipped")
            last[partition] = offset
            sequences.append(sequence)
            guard case .string(let key)? = item.metadata["key"], let n = number(item) else {
                Issue.record("no key or payload: \(item.metadata)")
                return
            }
            #expect(key == "key-\(n % 7)", "the message's own key")
        }
        #expect(sequences == sequences.sorted() && Set(sequences).count == sequences.count, "checkpoints rise")
    }

    /// A reader that stops in the middle of what the stream took: what it
    /// got and acknowledged is committed, what it never got is read again.
    @Test(arguments: [12, 30])
    func onlyAcknowledgedStreamedOffsetsAreCommitted(acknowledged: Int) async throws {
        let kafka = try KafkaFixture(partitions: 1)
        try await kafka.produce(60)
        let group = "g-\(UUID())"
        let first = kafka.source(group: group, start: "committed", wait: .milliseconds(200))
        await first.useCommittedCheckpoints()
        try await first.connect()
        // Everything is there before the first read, so the stream takes more than it hands out.
        let read = try await streamed(first, count: 30)
        #expect(read.compactMap(number) == Array(0..<30))
        await first.commit(try #require(read[acknowledged - 1].checkpoint), force: true)
        await first.disconnect()

        let second = kafka.source(group: group, start: "committed")
        try await second.connect()
        let again = try await streamed(second, count: 60 - acknowledged)
        await second.disconnect()
        #expect(again.compactMap(number) == Array(acknowledged..<60), "read again from the first unacknowledged message")
    }

    /// Outside a pipeline nothing acknowledges: what the stream handed out
    /// counts as read, and what it took but never handed out does not.
    @Test func withoutAPipelineOnlyWhatWasHandedOutCountsAsRead() async throws {
        let kafka = try KafkaFixture(partitions: 1)
        try await kafka.produce(40)
        let group = "g-\(UUID())"
        let first = kafka.source(group: group, start: "committed")
        try await first.connect()
        let read = try await streamed(first, count: 15)
        #expect(read.compactMap(number) == Array(0..<15))
        await first.disconnect()

        let second = kafka.source(group: group, start: "committed")
        try await second.connect()
        let again = try await streamed(second, count: 25)
        await second.disconnect()
        #expect(again.compactMap(number) == Array(15..<40))
    }
}

/// Reads `count` items from a new stream of the source, or fails after `seconds` (a bound against a hang).
private func streamed(_ source: KafkaSource, count: Int, seconds: Double = 60) async throws -> [CollectedData] {
    try await withThrowingTaskGroup(of: [CollectedData].self) { group in
        group.addTask {
            var items: [CollectedData] = []
            for try await item in source.stream() {
                items.append(item)
                if items.count == count { break }
            }
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
