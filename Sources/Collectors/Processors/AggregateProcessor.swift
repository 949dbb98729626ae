import CollectorValues

/// Passes records through unchanged and keeps running aggregates of some of
/// their fields: how often each value of a field occurs (`countValues`), and
/// the count, sum, minimum and maximum of numeric fields (`statistics`).
/// (Telegraf calls these aggregators "valuecounter" and "basicstats".)
///
/// Records arrive in order, so sums are added in record order and are the
/// same from run to run. A missing field is not counted; a non-numeric value
/// of a statistics field is counted in `nonNumeric`.
public final class AggregateProcessor: ObservingProcessor {
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
        state = Locked(Tally(counts: countValues.map { _ in ValueCounts() }, statistics: statistics.map { _ in FieldStatistics() }))
    }

    public var result: Result {
        let tally = state.withLock { $0 }
        var result = Result(records: tally.records)
        for (field, counts) in zip(countValues, tally.counts) where !counts.isEmpty {
            result.counts[field, default: [:]].merge(counts.dictionary, uniquingKeysWith: +)
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

    public func observe(batch records: [Record]) async {
        state.withLock { tally in
            for record in records { add(record, to: &tally) }
        }
    }

    /// The running aggregates, by the position of their field (no lookup by
    /// name per record); `result` names them.
    private struct Tally {
        var counts: [ValueCounts]
        var statistics: [FieldStatistics]
        var records = 0
        /// Where the fields are in a text record; reused from record to record.
        var ranges: [Range<Int>?] = []
    }

    private func add(_ record: Record, to tally: inout Tally) {
        tally.records += 1
        if let text = record.jsonText, text.withUnsafeBufferPointer({ addInPlace($0, to: &tally) }) { return }
        let values = record.fields(picker)
        for i in countValues.indices {
            guard let item = values[i] else { continue }
            tally.counts[i].add(Self.key(item))
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

    /// `add` for a record carried as compact text, reading its fields where
    /// they are: strings without escapes are counted by their bytes, numbers
    /// read in place. False, with the tally untouched, when a counted field
    /// is anything else (its key is then the value's, which `add` makes).
    private func addInPlace(_ text: UnsafeBufferPointer<UInt8>, to tally: inout Tally) -> Bool {
        guard text.first == UInt8(ascii: "{"), picker.ranges(fromCompact: text, into: &tally.ranges) else { return false }
        for i in countValues.indices {
            guard let range = tally.ranges[i] else { continue }
            guard text[range.lowerBound] == UInt8(ascii: "\""),
                !UnsafeBufferPointer(rebasing: text[range]).dropFirst().contains(UInt8(ascii: "\\"))
            else { return false }
        }
        for i in countValues.indices {
            guard let range = tally.ranges[i] else { continue }
            tally.counts[i].add(UnsafeBufferPointer(rebasing: text[(range.lowerBound + 1)..<(range.upperBound - 1)]))
        }
        for i in statistics.indices {
            guard let range = tally.ranges[countValues.count + i] else { continue }
            switch JSONFieldPicker.number(ofCompact: UnsafeBufferPointer(rebasing: text[range])) {
            case .integer(let integer)?: tally.statistics[i].add(Double(integer))
            case .double(let double)?: tally.statistics[i].add(double)
            default: tally.statistics[i].nonNumeric += 1
            }
        }
        return true
    }

    private static func key(_ value: DataValue) -> String {
        if case .string(let text) = value { return text }
        return (try? JSONWriter().string(value)) ?? "\(value)"
    }
}

/// How often each value of one field occurs, keyed by the value's text. The
/// first few distinct values are found by comparing bytes (a field such as
/// a severity or a unit has a handful); the rest by a dictionary.
private struct ValueCounts {
    private static let byteKeyed = 16
    private var keys: [[UInt8]] = []
    private var keyCounts: [Int] = []
    private var others: [String: Int] = [:]

    var isEmpty: Bool { keys.isEmpty }

    var dictionary: [String: Int] {
        var all = others
        for (key, count) in zip(keys, keyCounts) { all[String(decoding: key, as: UTF8.self), default: 0] += count }
        return all
    }

    /// Counts a key given as valid UTF-8 (a string's bytes in text this library wrote).
    mutating func add(_ key: UnsafeBufferPointer<UInt8>) {
        for k in keys.indices where keys[k].count == key.count && keys[k].elementsEqual(key) {
            keyCounts[k] += 1
            return
        }
        if keys.count < Self.byteKeyed {
            keys.append(Array(key))
            keyCounts.append(1)
        } else {
            others[String(decoding: key, as: UTF8.self), default: 0] += 1
        }
    }

    mutating func add(_ key: String) {
        var key = key
        key.withUTF8 { add($0) }
    }
}
