import CollectorValues

/// A record that failed, with why: the error names the processor or backend,
/// and its details carry what the failing layer knew (a traceback, a script version).
public struct DeadLetter: Sendable, Hashable {
    public var record: Record
    public var error: ErrorInfo

    public init(record: Record, error: ErrorInfo) {
        self.record = record
        self.error = error
    }

    /// The letter as a record value, for sinks that store it in a backend.
    public var value: DataValue {
        [
            "record": record.value,
            "source_id": .string(record.sourceID),
            "sequence": .integer(Int64(truncatingIfNeeded: record.sequence)),
            "error": .object(error.object),
        ]
    }
}
