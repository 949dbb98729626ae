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
    /// The line of its source it starts on (a file's line, from 1), when the
    /// source numbers lines: decoding errors say where it is in the file.
    public var line: Int?
    /// The byte of its source it starts at (a followed file's offset), when
    /// the source gives offsets but not lines.
    public var offset: Int?
    /// What its source knew about its item (kept only while a processor
    /// reads origins); `origin` places the document in it.
    public var item: ItemMetadata?

    /// Its item's metadata, with its own line (from `line`) and offset (from
    /// where `bytes` start in the item's payload).
    public var origin: RecordOrigin? {
        guard let item else { return nil }
        let lineIndex = line.map { $0 - Int(item.firstLine ?? Int64($0)) } ?? 0
        return RecordOrigin(item: item, lineIndex: lineIndex, byteIndex: bytes.startIndex)
    }

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

    /// A decoding failure of this document, said again with the line of its
    /// source (the document is read again: failures are rare). Details the
    /// failure had beyond the reader's keep their values.
    public func locating(_ failure: ErrorInfo) -> ErrorInfo {
        guard line != nil || offset != nil, failure.failedOperation == .decode, failure.type == .validation,
            case .failure(let located) = RecordDecoder.json(bytes, firstLine: line, startOffset: offset)
        else { return failure }
        var error = located
        for (key, value) in failure.details where error.details[key] == nil && !["offset", "line", "column"].contains(key) {
            error.details[key] = value
        }
        return error
    }

    /// A record of the document's place (source, sequence, id, origin) holding `value`.
    public func record(holding value: DataValue) -> Record {
        Record(value, sourceID: sourceID, sequence: sequence, collectedAt: collectedAt, id: id, origin: origin)
    }

    /// The document as a record of its text (a string, or bytes when it is
    /// not UTF-8), not decoded.
    public func textRecord() -> Record {
        Record(RecordDecoder.text(bytes), sourceID: sourceID, sequence: sequence, collectedAt: collectedAt, id: id, origin: origin)
    }

    /// The document as a record: its value, or its text when it is not JSON.
    /// What goes to the dead-letter sink when the document's processing fails.
    public func record() -> Record {
        let value = (try? JSONReader().read(bytes)) ?? RecordDecoder.text(bytes)
        return Record(value, sourceID: sourceID, sequence: sequence, collectedAt: collectedAt, id: id, origin: origin)
    }
}
