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

        mutating func add(_ number: Double) {
            count += 1
            sum += number
            minimum = min(minimum, number)
            maximum = max(maximum, number)
        }
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
    private let state: Locked<Tally>
    /// Reads `countValues` then `statistics`, only those fields of a text record.
    private let picker: JSONFieldPicker

    public init(name: String = "aggregate", countValues: [String] = [], statistics: [String] = []) {
        self.name = name
        self.countValues = countValues
        self.statistics = statistics
        picker = JSONFieldPicker(countValues + statistics)
        state = Locked(Tally(counts: countValues.map { _ in [:] }, statistics: statistics.map { _ in FieldStatistics() }))
    }

    public var result: Result {
        let tally = state.withLock { $0 }
        var result = Result(records: tally.records)
        for (field, counts) in zip(countValues, tally.counts) where !counts.isEmpty {
            result.counts[field, default: [:]].merge(counts, uniquingKeysWith: +)
        }
        for (field, stats) in zip(statistics, tally.statistics) where stats.count + stats.nonNumeric > 0 {
            result.statistics[field] = stats
        }
        return result
    }

    public func process(_ record: Record) async throws -> ProcessingResult {
        state.withLock { add(record, to: &$0) }
        return .success(record)
    }

    public func process(batch records: [Record]) async -> [ProcessingResult] {
        state.withLock { tally in
            for record in records { add(record, to: &tally) }
        }
        return records.map { .success($0) }
    }

    /// The running aggregates, by the position of their field (no lookup by
    /// name per record); `result` names them.
    private struct Tally {
        var counts: [[String: Int]]
        var statistics: [FieldStatistics]
        var records = 0
    }

    private func add(_ record: Record, to tally: inout Tally) {
        tally.records += 1
        let values = record.fields(picker)
        for i in countValues.indices {
            guard let item = values[i] else { continue }
            tally.counts[i][Self.key(item), default: 0] += 1
        }
        for i in statistics.indices {
            guard let item = values[countValues.count + i] else { continue }
            switch item {
            case .integer(let integer): tally.statistics[i].add(Double(integer))
            case .double(let double): tally.statistics[i].add(double)
            default: tally.statistics[i].nonNumeric += 1
            }
        }
    }

    private static func key(_ value: DataValue) -> String {
        if case .string(let text) = value { return text }
        return (try? JSONWriter().string(value)) ?? "\(value)"
    }
}
