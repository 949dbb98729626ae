import CollectorValues
import Foundation

/// One JSON document not decoded yet, with where it came from: what the
/// pipeline hands a `JSONDocumentProcessor` instead of a decoded `Record`.
/// `bytes` is a slice of the collected payload (no copy).
public struct JSONDocument: Sendable {
    public var bytes: ArraySlice<UInt8>
    public var sourceID: String
    /// Numbered like `Record.sequence`.
    public var sequence: UInt64
    public var collectedAt: Date
    /// The id its record gets (see `RecordID`).
    public var id: RecordID

    /// - Parameter id: `nil` for a new one (`RecordID.unique()`).
    public init(
        _ bytes: ArraySlice<UInt8>, sourceID: String, sequence: UInt64, collectedAt: Date = Date(), id: RecordID? = nil
    ) {
        self.bytes = bytes
        self.sourceID = sourceID
        self.sequence = sequence
        self.collectedAt = collectedAt
        self.id = id ?? .unique()
    }

    /// The document as a record: its value, or its text when it is not JSON.
    /// What goes to the dead-letter sink when the document's processing fails.
    public func record() -> Record {
        let value = (try? JSONReader().read(bytes)) ?? RecordDecoder.text(bytes)
        return Record(value, sourceID: sourceID, sequence: sequence, collectedAt: collectedAt, id: id)
    }
}
