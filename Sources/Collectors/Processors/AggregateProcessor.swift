import CollectorValues

/// Passes records through unchanged and keeps running aggregates of some of
/// their fields: how often each value of a field occurs (`countValues`), and
/// the count, sum, minimum and maximum of numeric fields (`statistics`).
/// (Telegraf calls these aggregators "valuecounter" and "basicstats".)
///
/// Records arrive in order, so sums are added in record order and are the
/// same from run to run. A missing field is not counted; a non-numeric value
/// of a statistics field is counted in `nonNumeric`.
public final class AggregateProcessor: Processor {
    /// Count, sum, minimum and maximum of one numeric field.
    public struct FieldStatistics: Sendable, Hashable {
        public var count = 0
        public var sum = 0.0
        public var minimum = Double.infinity
        public var maximum = -Double.infinity
        /// Values of the field that were not numbers.
        public var nonNumeric = 0

        public var mean: Double? { count == 0 ? nil : sum / Double(count) }
    }

    /// What the processor has seen so far.
    public struct Result: Sendable, Hashable {
        /// Per field, how many records had each value (values as JSON text, strings bare).
        public var counts: [String: [String: Int]] = [:]
        public var statistics: [String: FieldStatistics] = [:]
        public var records = 0
    }

    public let name: String
    public let countValues: [String]
    public let statistics: [String]
    private let state = Locked(Result())
    /// Reads `countValues` then `statistics`, only those fields of a text record.
    private let picker: JSONFieldPicker

    public init(name: String = "aggregate", countValues: [String] = [], statistics: [String] = []) {
        self.name = name
        self.countValues = countValues
        self.statistics = statistics
        picker = JSONFieldPicker(countValues + statistics)
    }

    public var result: Result { state.withLock { $0 } }

    public func process(_ record: Record) async throws -> ProcessingResult {
        state.withLock { add(record, to: &$0) }
        return .success(record)
    }

    public func process(batch records: [Record]) async -> [ProcessingResult] {
        state.withLock { result in
            for record in records { add(record, to: &result) }
        }
        return records.map { .success($0) }
    }

    private func add(_ record: Record, to result: inout Result) {
        result.records += 1
        let values = record.fields(picker)
        for (field, item) in zip(countValues, values) {
            guard let item else { continue }
            result.counts[field, default: [:]][Self.key(item), default: 0] += 1
        }
        for (field, item) in zip(statistics, values.dropFirst(countValues.count)) {
            guard let item else { continue }
            let number: Double? = switch item {
            case .integer(let i): Double(i)
            case .double(let d): d
            default: nil
            }
            var stats = result.statistics[field] ?? FieldStatistics()
            if let number {
                stats.count += 1
                stats.sum += number
                stats.minimum = min(stats.minimum, number)
                stats.maximum = max(stats.maximum, number)
            } else {
                stats.nonNumeric += 1
            }
            result.statistics[field] = stats
        }
    }

    private static func key(_ value: DataValue) -> String {
        if case .string(let text) = value { return text }
        return (try? JSONWriter().string(value)) ?? "\(value)"
    }
}
