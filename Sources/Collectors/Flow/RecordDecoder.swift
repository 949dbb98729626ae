import CollectorValues
import Foundation

/// Turns collected items into records and numbers them per source.
///
/// `.json`: one document, one record (with `split`, one per element of the
/// array at the path). `.jsonLines`: one record per non-empty line. `.csv`:
/// one record per row (see `CSVReader`; a streamed source's rows may span
/// items, and `finish()` reports one left open at the end). `.text`: the
/// payload as one string. Anything else: the payload as
/// one string if it is valid UTF-8, else as bytes. An item that cannot be
/// decoded still gets a record (its raw payload), reported as failed with a
/// `.validation` error, so that it can go to the dead-letter sink. A
/// replayed item (`CollectedData.replayed`) is its record, not renumbered. An item
/// the source refused (`CollectedData.refusal`) is one failed record whose
/// value is `{"base64": ..., "bytes": N}` (plus `length` and `truncated`
/// when only the start was kept), with the source's error.
public struct RecordDecoder: Sendable {
    /// A record that could not be decoded, with why.
    public struct Failure: Sendable {
        public var record: Record
        public var error: ErrorInfo
    }

    private var sequences: [String: UInt64] = [:]
    /// The CSV reader of each streamed CSV source (its header and any row
    /// going on into the next item), and how many lines it has read.
    var csvStreams: [String: (reader: CSVReader, lines: Int)] = [:]
    /// Ids of records from items without a key: a random base and a counter.
    private let idBase = RecordID.base()
    private var idCount: UInt64 = 0
    /// Whether records get their item's metadata (`Record.origin`); a
    /// pipeline keeps them only while a processor reads them.
    public var keepsOrigins = true

    public init() {}

    /// The last sequence number given to a source's record (0 before the first).
    public func lastSequence(of sourceID: String) -> UInt64 { sequences[sourceID] ?? 0 }

    /// The records of one item, numbered in order, and the parts that could not be decoded.
    public mutating func decode(_ item: CollectedData) -> (records: [Record], failures: [Failure]) {
        if let replayed = item.replayed { return ([replayed], []) }
        var records: [Record] = []
        var failures: [Failure] = []
        var ids = ItemIDs(item)
        // One per item: its records point to it.
        let metadata = metadata(of: item)
        func emit(_ result: Result<DataValue, ErrorInfo>, raw: ArraySlice<UInt8>, lineIndex: Int = 0, byteIndex: Int = 0) {
            let sequence = next(item.sourceID)
            let id = ids.next(raw, decoder: &self)
            let origin = metadata.map { RecordOrigin(item: $0, lineIndex: lineIndex, byteIndex: byteIndex) }
            switch result {
            case .success(let value):
                records.append(
                    Record(value, sourceID: item.sourceID, sequence: sequence, collectedAt: item.timestamp, id: id, origin: origin))
            case .failure(var error):
                error.details["source_id"] = .string(item.sourceID)
                let record = Record(
                    Self.text(raw), sourceID: item.sourceID, sequence: sequence, collectedAt: item.timestamp, id: id, origin: origin)
                failures.append(Failure(record: record, error: error))
            }
        }
        if let refusal = item.refusal {
            var error = refusal
            error.details["source_id"] = .string(item.sourceID)
            let record = Record(
                Self.refused(item), sourceID: item.sourceID, sequence: next(item.sourceID), collectedAt: item.timestamp,
                id: ids.next(item.payload[...], decoder: &self), origin: metadata.map { RecordOrigin(item: $0) })
            return ([], [Failure(record: record, error: error)])
        }
        let firstLine = Self.firstLine(of: item)
        let startOffset = Self.startOffset(of: item, firstLine: firstLine)
        switch item.format {
        case .json:
            if let split = item.format.split {
                for element in Self.split(Self.json(item.payload[...], firstLine: firstLine, startOffset: startOffset), at: split) {
                    emit(element, raw: item.payload[...])
                }
            } else {
                emit(Self.json(item.payload[...], firstLine: firstLine, startOffset: startOffset), raw: item.payload[...])
            }
        case .csv:
            // A row's line is counted from the item's first line (a streamed source's rows).
            let base = firstLine ?? 1
            for row in csvRows(item, firstLine: firstLine) {
                switch row {
                case .record(let object, let line):
                    emit(.success(.object(object)), raw: item.payload[...], lineIndex: max(0, line - base))
                case .bad(let reason, let line, let text):
                    emit(.failure(Self.csvError(reason, line: line, item: item)), raw: text[...], lineIndex: max(0, line - base))
                }
            }
        case .jsonLines:
            forEachLine(of: item.payload) { line, index in
                emit(
                    Self.json(line, firstLine: firstLine.map { $0 + index }, startOffset: startOffset.map { $0 + line.startIndex }),
                    raw: line, lineIndex: index, byteIndex: line.startIndex)
            }
        default:
            emit(.success(Self.text(item.payload[...])), raw: item.payload[...])
        }
        return (records, failures)
    }

    /// The JSON documents of a `.json` or `.jsonLines` item, numbered in
    /// order and left undecoded (blank lines skipped); nil for other formats.
    public mutating func documents(_ item: CollectedData) -> [JSONDocument]? {
        guard item.refusal == nil, item.replayed == nil else { return nil }
        var ids = ItemIDs(item)
        let firstLine = Self.firstLine(of: item)
        let startOffset = Self.startOffset(of: item, firstLine: firstLine)
        let metadata = metadata(of: item)
        switch item.format {
        case .json:
            // A split payload is decoded here, into its elements' records.
            if item.format.split != nil { return nil }
            let bytes = item.payload[...]
            var document = JSONDocument(
                bytes, sourceID: item.sourceID, sequence: next(item.sourceID), collectedAt: item.timestamp,
                id: ids.next(bytes, decoder: &self))
            document.line = firstLine
            document.offset = startOffset
            document.item = metadata
            return [document]
        case .jsonLines:
            var documents: [JSONDocument] = []
            // The source's sequence is looked up once for the item, not once a line.
            var sequence = lastSequence(of: item.sourceID)
            forEachLine(of: item.payload) { line, index in
                sequence += 1
                var document = JSONDocument(
                    line, sourceID: item.sourceID, sequence: sequence, collectedAt: item.timestamp,
                    id: ids.next(line, decoder: &self))
                document.line = firstLine.map { $0 + index }
                document.offset = startOffset.map { $0 + line.startIndex }
                document.item = metadata
                documents.append(document)
            }
            if !documents.isEmpty { sequences[item.sourceID] = sequence }
            return documents
        default:
            return nil
        }
    }

    /// What the item's records share of its metadata; nil when the source gave none.
    private func metadata(of item: CollectedData) -> ItemMetadata? {
        !keepsOrigins || item.metadata.isEmpty ? nil : ItemMetadata(item.metadata)
    }

    /// The line of its source an item's payload starts on (`metadata.line`,
    /// which line-reading sources set), if known.
    private static func firstLine(of item: CollectedData) -> Int? {
        guard case .integer(let line)? = item.metadata["line"], line > 0 else { return nil }
        return Int(clamping: line)
    }

    /// The byte of its source an item's payload starts at (`metadata.offset`),
    /// used when lines are not numbered (a file followed from its end), whose items are
    /// the payload's bytes as they are in the file.
    private static func startOffset(of item: CollectedData, firstLine: Int?) -> Int? {
        guard firstLine == nil, case .integer(let offset)? = item.metadata["offset"], offset >= 0 else { return nil }
        return Int(clamping: offset)
    }

    /// Each non-blank line, without its line end, and its index among all
    /// the payload's lines (blank ones counted: the index maps to a file line).
    private func forEachLine(of payload: [UInt8], _ body: (ArraySlice<UInt8>, Int) -> Void) {
        payload.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var start = 0
            var index = 0
            while start < buffer.count {
                // memchr: the line scan runs at memory speed.
                let newline = memchr(base + start, 0x0A, buffer.count - start)
                    .map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? buffer.count
                var end = newline
                if end > start && base[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                if !Self.isBlank(UnsafeBufferPointer(rebasing: buffer[start..<end])) { body(payload[start..<end], index) }
                start = newline + 1
                index += 1
            }
        }
    }

    private static func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        // Records start with a non-blank byte: the common case answers at once.
        for byte in line where byte != 0x20 && byte != 0x09 { return false }
        return true
    }

    /// The ids of one item's records, in order: from its key and each
    /// record's bytes when it has a key, else from the decoder's counter.
    private struct ItemIDs {
        let seed: (UInt64, UInt64)?
        var index = 0

        init(_ item: CollectedData) {
            seed = item.key.map { RecordID.itemSeed(sourceID: item.sourceID, key: $0) }
        }

        mutating func next(_ bytes: ArraySlice<UInt8>, decoder: inout RecordDecoder) -> RecordID {
            defer { index += 1 }
            guard let seed else {
                decoder.idCount += 1
                return decoder.idBase.offset(by: decoder.idCount)
            }
            return bytes.withUnsafeBytes { RecordID(item: seed, index: index, bytes: $0) }
        }
    }

    /// The next sequence number of a source, and a new record id, for a
    /// record that comes from no item (a row left open at the end).
    mutating func nextSequence(_ sourceID: String) -> UInt64 { next(sourceID) }
    mutating func nextID() -> RecordID {
        idCount += 1
        return idBase.offset(by: idCount)
    }

    private mutating func next(_ sourceID: String) -> UInt64 {
        let value = (sequences[sourceID] ?? 0) + 1
        sequences[sourceID] = value
        return value
    }

    /// What a refused item's failed record holds: its bytes as base64 (any
    /// bytes survive JSON and every backend that way), how many there are,
    /// and the whole input's length when the source kept only its start.
    static func refused(_ item: CollectedData) -> DataValue {
        var value: DataObject = [
            "base64": .string(Data(item.payload).base64EncodedString()),
            "bytes": .integer(Int64(item.payload.count)),
        ]
        if let length = item.refusal?.details["length"]?.intValue, length > Int64(item.payload.count) {
            value["length"] = .integer(length)
            value["truncated"] = .bool(true)
        }
        return .object(value)
    }

    /// The bytes as a string when they are valid UTF-8, else as bytes.
    static func text(_ bytes: ArraySlice<UInt8>) -> DataValue {
        let string = bytes.withUnsafeBufferPointer { UTF8Validation.string($0) }
        return string.map(DataValue.string) ?? .bytes(Array(bytes))
    }
}
