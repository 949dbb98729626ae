import CollectorValues
import Foundation

/// A record that failed, with why: the error names the processor or backend,
/// and its details carry what the failing layer knew (a traceback, a script version).
public struct DeadLetter: Sendable, Hashable {
    public var record: Record
    public var error: ErrorInfo
    /// How many times the record has failed: 1 the first time, one more on
    /// each replay of its letter that failed again (`collector replay`).
    public var attempt: Int

    public init(record: Record, error: ErrorInfo, attempt: Int = 1) {
        self.record = record
        self.error = error
        self.attempt = attempt
    }

    /// The letter's own id, derived from its record's (see `RecordID.deadLetter(for:)`):
    /// one letter per record, failing place and attempt, however often it is written.
    public var id: RecordID {
        var place = error.layer.rawValue
        if case .string(let backend)? = error.details["backend_id"] { place += "\u{0}" + backend }
        // A letter of a replay that failed again is a new letter beside the first one.
        if attempt > 1 { place += "\u{0}attempt \(attempt)" }
        return record.id.deadLetter(for: place)
    }

    /// The letter as a record value, for sinks that store it in a backend.
    public var value: DataValue {
        [
            "record": Self.writable(record.value),
            "source_id": .string(record.sourceID),
            "sequence": .integer(Int64(truncatingIfNeeded: record.sequence)),
            "record_id": .string(record.id.uuidString),
            "collected_at": .double(record.collectedAt.timeIntervalSince1970),
            "attempt": .integer(Int64(attempt)),
            "error": .object(error.object),
        ]
    }

    /// A record that is bytes, not UTF-8 text (a document that is not
    /// UTF-8), as `{ "base64": ... }`, as `portableValue` keeps bytes: JSON
    /// and text columns cannot hold the bytes themselves, and the letter
    /// must keep them.
    static func writable(_ value: DataValue) -> DataValue {
        guard case .bytes(let bytes) = value else { return value }
        return ["base64": .string(Data(bytes).base64EncodedString())]
    }
}
