import CollectorValues

/// Where in its item a record is: the item's metadata (shared by all its
/// records) and the record's place in the payload, from which its own line
/// and offset follow. What a processor reads as `meta` besides the record's
/// source id, sequence, id and time.
public struct RecordOrigin: Sendable {
    public let item: ItemMetadata
    /// Lines after the item's first line (blank lines counted).
    let lineIndex: UInt32
    /// Bytes after the item's first byte.
    let byteIndex: UInt32

    /// - Parameters:
    ///   - lineIndex: how many lines of the payload come before the record's.
    ///   - byteIndex: where in the payload the record starts.
    public init(item: ItemMetadata, lineIndex: Int = 0, byteIndex: Int = 0) {
        self.item = item
        self.lineIndex = UInt32(clamping: lineIndex)
        self.byteIndex = UInt32(clamping: byteIndex)
    }

    /// One value: `line` and `offset` are the record's own (the item's first
    /// line or offset moved on to the record), the others the item's.
    public subscript(key: String) -> DataValue? {
        switch key {
        case "line":
            if let line = item.firstLine { return .integer(line + Int64(lineIndex)) }
        case "offset":
            if let offset = item.firstOffset { return .integer(offset + Int64(byteIndex)) }
        default:
            break
        }
        return item.values[key]
    }

    /// Every value, as `subscript` gives them.
    public var values: DataObject {
        var values = item.values
        if let line = self["line"] { values["line"] = line }
        if let offset = self["offset"] { values["offset"] = offset }
        return values
    }
}
