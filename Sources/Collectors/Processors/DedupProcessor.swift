import CollectorValues
import Foundation

/// Drops a record whose key was seen before: within `window` of the first
/// record with that key, and among the last `maxKeys` keys (whichever
/// forgets first). Duplicates are dropped, or dead-lettered as
/// `validation` failures naming the key.
///
/// The key is the values of `keyFields` (none: the whole record). A key is
/// remembered from its first record: duplicates do not extend its window.
public final class DedupProcessor: Processor {
    /// What happens to a duplicate.
    public enum Duplicate: String, Sendable, CaseIterable {
        case drop
        case deadLetter = "dead_letter"
    }

    public let name: String
    /// How long a key is remembered (nil: until `maxKeys` pushes it out).
    public let window: Duration?
    public let maxKeys: Int
    public let duplicate: Duplicate
    private let key: RecordKey
    private let windowSeconds: Double?
    private let seconds: @Sendable () -> Double
    private let memory = Locked(Memory())

    /// The keys remembered, in the order they were first seen (a queue with
    /// lazy deletion: an entry whose key was forgotten and seen again later
    /// is skipped when it comes out).
    private struct Memory {
        var firstSeen: [RecordKey.Value: Double] = [:]
        var order: [(key: RecordKey.Value, at: Double)] = []
        var head = 0

        mutating func forget(olderThan cutoff: Double?, keeping limit: Int) {
            while head < order.count {
                let (key, at) = order[head]
                let expired = cutoff.map { at <= $0 } ?? false
                guard expired || firstSeen.count > limit else { break }
                if firstSeen[key] == at { firstSeen[key] = nil }
                head += 1
            }
            // Compacts the queue once most of it is behind the head.
            if head > 1024, head * 2 > order.count {
                order.removeFirst(head)
                head = 0
            }
        }
    }

    /// - Parameters:
    ///   - window: how long a key is remembered; nil for no time limit (`maxKeys` only).
    ///   - maxKeys: how many keys are remembered at most (at least 1).
    ///   - now: a monotonic time in seconds (injectable for tests).
    public init(
        name: String = "dedup", keyFields: [String] = [], window: Duration? = nil, maxKeys: Int = 100_000,
        duplicate: Duplicate = .drop, now: @escaping @Sendable () -> Double = ThrottleProcessor.monotonicSeconds
    ) {
        self.name = name
        self.window = window
        self.maxKeys = max(1, maxKeys)
        self.duplicate = duplicate
        key = RecordKey(keyFields)
        windowSeconds = window?.secondsValue
        seconds = now
    }

    public func process(_ record: Record) async throws -> ProcessingResult {
        await process(batch: [record])[0]
    }

    public func process(batch records: [Record]) async -> [ProcessingResult] {
        let now = seconds()
        let keys = records.map { key.key(of: $0) }
        let fresh: [Bool] = memory.withLock { memory in
            memory.forget(olderThan: windowSeconds.map { now - $0 }, keeping: maxKeys)
            return keys.map { key in
                if memory.firstSeen[key] != nil { return false }
                memory.firstSeen[key] = now
                memory.order.append((key, now))
                if memory.firstSeen.count > maxKeys { memory.forget(olderThan: nil, keeping: maxKeys) }
                return true
            }
        }
        return zip(records, fresh).map { record, fresh in
            if fresh { return .success(record) }
            switch duplicate {
            case .drop: return .dropped
            case .deadLetter: return .failure(duplicateError(record))
            }
        }
    }

    private func duplicateError(_ record: Record) -> ErrorInfo {
        var details: DataObject = ["processor": .string(name)]
        if !key.fields.isEmpty {
            var object = DataObject()
            for (field, value) in zip(key.fields, record.fields(JSONFieldPicker(key.fields))) { object[field] = value ?? .null }
            details["key"] = .object(object)
        }
        let what = key.fields.isEmpty ? "the same record" : "a record with the same \(key.fields.joined(separator: ", "))"
        let within = window.map { " within \($0.optionText)" } ?? ""
        return ErrorInfo(
            .validation, layer: .processing, operation: "dedup", message: "duplicate: \(what) was seen\(within)",
            details: details)
    }
}
