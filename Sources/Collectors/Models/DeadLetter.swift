import CollectorValues
import Foundation

/// A record that failed, with why: the error names the processor or backend,
/// and its details carry what the failing layer knew (a traceback, a script version).
public struct DeadLetter: Sendable, Hashable {
    public var record: Record
    public var error: ErrorInfo

    public init(record: Record, error: ErrorInfo) {
        self.record = record
        self.error = error
    }

    /// The letter's own id, derived from its record's (see `RecordID.deadLetter(for:)`):
    /// one letter per record and failing place, however often it is written.
    public var id: RecordID {
        var place = error.layer.rawValue
        if case .string(let backend)? = error.details["backend_id"] { place += "\u{0}" + backend }
        return record.id.deadLetter(for: place)
    }

    /// The letter as a record value, for sinks that store it in a backend.
    public var value: DataValue {
        [
            "record": Self.writable(record.value),
            "source_id": .string(record.sourceID),
            "sequence": .integer(Int64(truncatingIfNeeded: record.sequence)),
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
