import CollectorValues

/// What a processor made of one record. (Seed: `ProcessingResult`.)
///
/// A success carries zero (filtered out), one (transformed) or many (split)
/// records; a failure carries the error and no records.
public struct ProcessingResult: Sendable {
    public var success: Bool
    public var error: ErrorInfo?
    public var processingTime: Duration
    /// Most results hold one record: that one is kept without an array (no
    /// allocation per record on the data path).
    private var output: Output

    private enum Output: Sendable {
        case none
        case one(Record)
        case many([Record])

        init(_ records: [Record]) {
            switch records.count {
            case 0: self = .none
            case 1: self = .one(records[0])
            default: self = .many(records)
            }
        }
    }

    public init(success: Bool, records: [Record], error: ErrorInfo?, processingTime: Duration = .zero) {
        self.success = success
        output = Output(records)
        self.error = error
        self.processingTime = processingTime
    }

    private init(success: Bool, output: Output, error: ErrorInfo?, processingTime: Duration) {
        self.success = success
        self.output = output
        self.error = error
        self.processingTime = processingTime
    }

    /// The output records. (Seed: `processed_data`.)
    public var records: [Record] {
        get {
            switch output {
            case .none: return []
            case .one(let record): return [record]
            case .many(let records): return records
            }
        }
        set { output = Output(newValue) }
    }

    /// Whether `other` gave the same records (the same values, in order),
    /// compared in place: two records that travel as text are compared as
    /// text (`JSONTextEquality`: fields in any order, no decoding); only
    /// what the text cannot tell is decoded and compared as values.
    public func sameRecords(as other: ProcessingResult) -> Bool {
        switch (output, other.output) {
        case (.none, .none): return true
        case (.one(let a), .one(let b)): return Self.same(a, b)
        case (.many(let a), .many(let b)): return a.count == b.count && zip(a, b).allSatisfy { Self.same($0, $1) }
        default: return recordCount == other.recordCount && zip(records, other.records).allSatisfy { Self.same($0, $1) }
        }
    }

    private static func same(_ a: Record, _ b: Record) -> Bool {
        if let left = a.jsonText, let right = b.jsonText, let same = JSONTextEquality.same(left, right) { return same }
        return a.value == b.value
    }

    /// How many records came out.
    public var recordCount: Int {
        switch output {
        case .none: return 0
        case .one: return 1
        case .many(let records): return records.count
        }
    }

    /// Appends the output records to `array`, without building an array of them first.
    public func appendRecords(to array: inout [Record]) {
        switch output {
        case .none: break
        case .one(let record): array.append(record)
        case .many(let records): array.append(contentsOf: records)
        }
    }

    /// `appendRecords(to:)` with the records' ids set from the input's
    /// (`parent`): a single output keeps it, several get `parent.child(i)`,
    /// so ids stay the same from run to run (see `RecordID`).
    public func appendRecords(to array: inout [Record], from parent: RecordID) {
        switch output {
        case .none:
            break
        case .one(var record):
            record.id = parent
            array.append(record)
        case .many(let records):
            for (index, output) in records.enumerated() {
                var record = output
                record.id = parent.child(index)
                array.append(record)
            }
        }
    }

    /// One output record.
    public static func success(_ record: Record, processingTime: Duration = .zero) -> ProcessingResult {
        ProcessingResult(success: true, output: .one(record), error: nil, processingTime: processingTime)
    }

    /// Any number of output records; none means the record was filtered out.
    public static func success(_ records: [Record], processingTime: Duration = .zero) -> ProcessingResult {
        ProcessingResult(success: true, output: Output(records), error: nil, processingTime: processingTime)
    }

    /// The record was filtered out on purpose: not an error.
    public static var dropped: ProcessingResult {
        ProcessingResult(success: true, output: .none, error: nil, processingTime: .zero)
    }

    /// The record failed; the error names why (and the processor, in its details).
    public static func failure(_ error: ErrorInfo, processingTime: Duration = .zero) -> ProcessingResult {
        ProcessingResult(success: false, output: .none, error: error, processingTime: processingTime)
    }
}
