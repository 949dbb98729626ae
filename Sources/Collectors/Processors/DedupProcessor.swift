import CollectorValues
import Foundation

/// Drops a record whose key was seen before: within `window` of the first
/// record with that key, and among the `maxKeys` keys seen most recently
/// (an LRU: a key seen again moves to the front; whichever forgets first).
/// Duplicates are dropped, or dead-lettered as `validation` failures
/// naming the key.
///
/// The key is the values of `keyFields` (none: the whole record). A key's
/// window starts at its first record: duplicates do not extend it.
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

    /// The keys remembered: when each was first seen (its window starts
    /// there) and when last (its place among the recently used). `order`
    /// is a queue of sightings, least recent first, with lazy deletion: an
    /// entry whose key was seen again since is skipped when it comes out.
    private struct Memory {
        var keys: [RecordKey.Value: (firstSeen: Double, stamp: UInt64)] = [:]
        var order: [(key: RecordKey.Value, stamp: UInt64)] = []
        var head = 0
        var stamp: UInt64 = 0

        /// Whether `key` is new (or its window passed): then remembered from `now`.
        mutating func see(_ key: RecordKey.Value, at now: Double, window: Double?, limit: Int) -> Bool {
            stamp += 1
            var fresh = true
            if let known = keys[key], window.map({ now - known.firstSeen < $0 }) ?? true {
                fresh = false
                keys[key] = (known.firstSeen, stamp)
            } else {
                keys[key] = (now, stamp)
            }
            order.append((key, stamp))
            while keys.count > limit, head < order.count {
                let (old, at) = order[head]
                head += 1
                if keys[old]?.stamp == at { keys[old] = nil }
            }
            compact()
            return fresh
        }

        /// Drops what is behind the head, and the stale sightings once they
        /// outnumber the keys (a few hot keys seen again and again).
        private mutating func compact() {
            if head > 1024, head * 2 > order.count {
                order.removeFirst(head)
                head = 0
            }
            if order.count - head > 2 * keys.count + 1024 {
                order = order[head...].filter { keys[$0.key]?.stamp == $0.stamp }
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
            keys.map { memory.see($0, at: now, window: windowSeconds, limit: maxKeys) }
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
