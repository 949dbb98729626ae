import CollectorValues
import Foundation

/// What flows between layers: one record value and where it came from.
///
/// `sequence` increases by one per record of a source (starting at 1), so a
/// consumer can order records and acknowledge "everything up to N". `id`
/// makes storing the record idempotent (see `RecordID`); `sequence` is
/// counted anew in every run, `id` need not be.
public struct Record: Sendable, Hashable {
    public var value: DataValue
    public var sourceID: String
    public var sequence: UInt64
    public var collectedAt: Date
    /// What makes storing the record idempotent (see `RecordID`).
    public var id: RecordID

    /// - Parameter id: `nil` for a new one (`RecordID.unique()`).
    public init(_ value: DataValue, sourceID: String, sequence: UInt64, collectedAt: Date = Date(), id: RecordID? = nil) {
        self.value = value
        self.sourceID = sourceID
        self.sequence = sequence
        self.collectedAt = collectedAt
        self.id = id ?? .unique()
    }

    /// The same metadata with another value: what a processor returns for a transformed record.
    public func with(value: DataValue) -> Record {
        var copy = self
        copy.value = value
        return copy
    }
}
