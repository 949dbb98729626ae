import CollectorValues
import Foundation

/// Lets at most `limit` records through per `period`, per key (a token
/// bucket holding up to `burst` records, refilled at `limit / period`);
/// records over it are dropped, or dead-lettered (a `processing` failure
/// whose `details.reason` is `over_rate`).
///
/// Keys are the values of `keyFields` (none: one bucket for all records).
/// At most `maxKeys` buckets are kept: past that, full buckets (keys quiet
/// for long enough that they lost nothing by being forgotten) go first,
/// then the least recently used.
public final class ThrottleProcessor: Processor {
    /// What happens to a record over the rate.
    public enum Excess: String, Sendable, CaseIterable {
        case drop
        case deadLetter = "dead_letter"
    }

    public let name: String
    public let limit: Double
    public let period: Duration
    public let burst: Double
    public let excess: Excess
    public let maxKeys: Int
    private let key: RecordKey
    private let perSecond: Double
    private let seconds: @Sendable () -> Double
    private let buckets = Locked<[RecordKey.Value: Bucket]>([:])

    private struct Bucket {
        var tokens: Double
        var last: Double
    }

    /// - Parameters:
    ///   - limit: records per `period` (above 0).
    ///   - burst: records let through at once after a quiet time (default: `limit`).
    ///   - now: a monotonic time in seconds (injectable for tests).
    public init(
        name: String = "throttle", limit: Double, period: Duration = .seconds(1), burst: Double? = nil,
        keyFields: [String] = [], excess: Excess = .drop, maxKeys: Int = 100_000,
        now: @escaping @Sendable () -> Double = ThrottleProcessor.monotonicSeconds
    ) {
        self.name = name
        self.limit = limit
        self.period = period
        self.burst = max(1, burst ?? limit)
        self.excess = excess
        self.maxKeys = max(1, maxKeys)
        key = RecordKey(keyFields)
        perSecond = limit / period.secondsValue
        seconds = now
    }

    public static let monotonicSeconds: @Sendable () -> Double = {
        let started = ContinuousClock.now
        return {
            let (whole, fraction) = (ContinuousClock.now - started).components
            return Double(whole) + Double(fraction) / 1e18
        }
    }()

    public func process(_ record: Record) async throws -> ProcessingResult {
        await process(batch: [record])[0]
    }

    public func process(batch records: [Record]) async -> [ProcessingResult] {
        let now = seconds()
        let keys = key.fields.isEmpty ? nil : records.map { key.key(of: $0) }
        let passed: [Bool] = buckets.withLock { buckets in
            records.indices.map { index in
                take(keys?[index] ?? RecordKey.Value(high: 0, low: 0), at: now, from: &buckets)
            }
        }
        return zip(records, passed).map { record, passed in
            if passed { return .success(record) }
            switch excess {
            case .drop: return .dropped
            case .deadLetter: return .failure(overRate(record))
            }
        }
    }

    private func take(_ key: RecordKey.Value, at now: Double, from buckets: inout [RecordKey.Value: Bucket]) -> Bool {
        var bucket = buckets[key] ?? Bucket(tokens: burst, last: now)
        bucket.tokens = min(burst, bucket.tokens + max(0, now - bucket.last) * perSecond)
        bucket.last = now
        let passed = bucket.tokens >= 1
        if passed { bucket.tokens -= 1 }
        buckets[key] = bucket
        if buckets.count > maxKeys { evict(from: &buckets, at: now) }
        return passed
    }

    /// Forgets full buckets, then the least recently used, down to 90 % of `maxKeys`.
    private func evict(from buckets: inout [RecordKey.Value: Bucket], at now: Double) {
        let target = maxKeys - maxKeys / 10
        buckets = buckets.filter { $0.value.tokens + max(0, now - $0.value.last) * perSecond < burst }
        guard buckets.count > target else { return }
        let oldest = buckets.sorted { $0.value.last < $1.value.last }.prefix(buckets.count - target).map(\.key)
        for key in oldest { buckets[key] = nil }
    }

    private func overRate(_ record: Record) -> ErrorInfo {
        var details: DataObject = [
            "processor": .string(name), "reason": "over_rate", "limit": .double(limit),
            "period_seconds": .double(period.secondsValue),
        ]
        if !key.fields.isEmpty {
            let values = record.fields(JSONFieldPicker(key.fields))
            var object = DataObject()
            for (field, value) in zip(key.fields, values) { object[field] = value ?? .null }
            details["key"] = .object(object)
        }
        let per = period == .seconds(1) ? "second" : period.optionText
        return ErrorInfo(
            // A processing error: its record is dead-lettered (a rate-limit error would only be logged).
            .processing, layer: .processing, operation: "throttle",
            message: "over the rate of \(Self.number(limit)) records per \(per)"
                + (key.fields.isEmpty ? "" : " for its key (\(key.fields.joined(separator: ", ")))"),
            details: details)
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
