/// What a processor made of one record. (Seed: `ProcessingResult`.)
///
/// A success carries zero (filtered out), one (transformed) or many (split)
/// records; a failure carries the error and no records.
public struct ProcessingResult: Sendable {
    public var success: Bool
    /// The output records. (Seed: `processed_data`.)
    public var records: [Record]
    public var error: ErrorInfo?
    public var processingTime: Duration

    public init(success: Bool, records: [Record], error: ErrorInfo?, processingTime: Duration = .zero) {
        self.success = success
        self.records = records
        self.error = error
        self.processingTime = processingTime
    }

    /// One output record.
    public static func success(_ record: Record, processingTime: Duration = .zero) -> ProcessingResult {
        ProcessingResult(success: true, records: [record], error: nil, processingTime: processingTime)
    }

    /// Any number of output records; none means the record was filtered out.
    public static func success(_ records: [Record], processingTime: Duration = .zero) -> ProcessingResult {
        ProcessingResult(success: true, records: records, error: nil, processingTime: processingTime)
    }

    /// The record was filtered out on purpose: not an error.
    public static var dropped: ProcessingResult { .success([Record]()) }

    /// The record failed; the error names why (and the processor, in its details).
    public static func failure(_ error: ErrorInfo, processingTime: Duration = .zero) -> ProcessingResult {
        ProcessingResult(success: false, records: [], error: error, processingTime: processingTime)
    }
}
