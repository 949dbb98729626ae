import CollectorValues

/// Turns collected items into records and numbers them per source.
///
/// `.json`: one document, one record. `.jsonLines`: one record per non-empty
/// line. `.text`: the payload as one string. Anything else: the payload as
/// one string if it is valid UTF-8, else as bytes. An item that cannot be
/// decoded still gets a record (its raw payload), reported as failed with a
/// `.validation` error, so that it can go to the dead-letter sink.
public struct RecordDecoder: Sendable {
    /// A record that could not be decoded, with why.
    public struct Failure: Sendable {
        public var record: Record
        public var error: ErrorInfo
    }

    private var sequences: [String: UInt64] = [:]

    public init() {}

    /// The last sequence number given to a source's record (0 before the first).
    public func lastSequence(of sourceID: String) -> UInt64 { sequences[sourceID] ?? 0 }

    /// The records of one item, numbered in order, and the parts that could not be decoded.
    public mutating func decode(_ item: CollectedData) -> (records: [Record], failures: [Failure]) {
        var records: [Record] = []
        var failures: [Failure] = []
        func emit(_ result: Result<DataValue, ErrorInfo>, raw: ArraySlice<UInt8>) {
            let sequence = next(item.sourceID)
            switch result {
            case .success(let value):
                records.append(Record(value, sourceID: item.sourceID, sequence: sequence, collectedAt: item.timestamp))
            case .failure(var error):
                error.details["source_id"] = .string(item.sourceID)
                let record = Record(Self.text(raw), sourceID: item.sourceID, sequence: sequence, collectedAt: item.timestamp)
                failures.append(Failure(record: record, error: error))
            }
        }
        switch item.format {
        case .json:
            emit(Self.json(item.payload[...]), raw: item.payload[...])
        case .jsonLines:
            for line in item.payload.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
                var line = line
                if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                emit(Self.json(line), raw: line)
            }
        default:
            emit(.success(Self.text(item.payload[...])), raw: item.payload[...])
        }
        return (records, failures)
    }

    private mutating func next(_ sourceID: String) -> UInt64 {
        let value = (sequences[sourceID] ?? 0) + 1
        sequences[sourceID] = value
        return value
    }

    /// The bytes as a string when they are valid UTF-8, else as bytes.
    static func text(_ bytes: ArraySlice<UInt8>) -> DataValue {
        let string = bytes.withUnsafeBufferPointer { UTF8Validation.string($0) }
        return string.map(DataValue.string) ?? .bytes(Array(bytes))
    }
}
