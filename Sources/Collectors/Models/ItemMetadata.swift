import CollectorValues

/// What a source knew about one collected item (`CollectedData.metadata`),
/// kept once for all the records decoded from it: each record points to it
/// (see `RecordOrigin`) instead of holding a copy.
public final class ItemMetadata: Sendable {
    /// The item's metadata as the source gave it.
    public let values: DataObject
    /// The line of its source the item starts on (`values.line`), if the source numbers lines.
    let firstLine: Int64?
    /// The byte of its source the item starts at (`values.offset`), if the source gives offsets.
    let firstOffset: Int64?

    public init(_ values: DataObject) {
        self.values = values
        if case .integer(let line)? = values["line"], line > 0 { firstLine = line } else { firstLine = nil }
        if case .integer(let offset)? = values["offset"], offset >= 0 { firstOffset = offset } else { firstOffset = nil }
    }
}
