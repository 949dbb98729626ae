import CollectorValues
import Foundation

/// The letters of a dead-letter file (what `storage.jsonl` writes as a
/// pipeline's `dead_letter`), read back to replay their records.
///
/// Each record comes back as it was: its value, source id, sequence, record
/// id and collection time, with the attempt its letter counted. A record the
/// letter kept as `{"base64": ...}` (bytes that were not UTF-8 text) comes
/// back as those bytes. A record id seen on several lines (a letter written
/// again, or letters of earlier replays in the same file) is replayed once,
/// from its letter with the highest attempt.
public struct DeadLetterFile: Sendable {
    /// One record to replay and the attempt its letter counted.
    public struct Entry: Sendable {
        public var record: Record
        public var attempt: Int
        /// The file's line (from 1) it came from.
        public var line: Int
        /// The layer that failed it (`error.layer`): `storage` for a record a
        /// backend refused, which the processors had made already.
        public var layer: String?
    }

    /// A line that is not a dead letter.
    public struct BadLine: Error, Sendable, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    public private(set) var entries: [Entry] = []
    /// Lines that are not dead letters.
    public private(set) var badLines: [BadLine] = []
    /// Letters whose record id came again on a later line (replayed once).
    public private(set) var duplicates = 0

    /// Reads the letters of `bytes`, one per non-blank line.
    public init(bytes: [UInt8]) {
        var positions: [RecordID: Int] = [:]
        var lineNumber = 0
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = line
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            guard line.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { continue }
            do {
                let entry = try Self.entry(line, number: lineNumber)
                if let earlier = positions[entry.record.id] {
                    duplicates += 1
                    if entry.attempt >= entries[earlier].attempt { entries[earlier] = entry }
                } else {
                    positions[entry.record.id] = entries.count
                    entries.append(entry)
                }
            } catch {
                badLines.append(error)
            }
        }
    }

    private static func entry(_ line: ArraySlice<UInt8>, number: Int) throws(BadLine) -> Entry {
        func bad(_ reason: String) -> BadLine { BadLine(line: number, reason: reason) }
        let letter: DataValue
        do { letter = try JSONReader().read(line) } catch { throw bad("not JSON (\(error))") }
        guard case .object(let fields) = letter else { throw bad("not a dead letter: a JSON \(letter.typeName), not an object") }
        guard let value = fields["record"] else { throw bad("not a dead letter: no 'record' field") }
        guard case .object(let error)? = fields["error"] else { throw bad("not a dead letter: no 'error' object") }
        guard case .string(let sourceID)? = fields["source_id"], !sourceID.isEmpty else {
            throw bad("not a dead letter: no 'source_id' string")
        }
        guard case .integer(let sequence)? = fields["sequence"], sequence >= 0 else {
            throw bad("not a dead letter: no 'sequence' (a whole number, 0 or more)")
        }
        var attempt = 1
        if let given = fields["attempt"] {
            guard case .integer(let n) = given, n >= 1, n <= Int64(Int32.max) else {
                throw bad("'attempt' must be a whole number from 1, got \(given.typeDescription)")
            }
            attempt = Int(n)
        }
        var collectedAt = Date()
        if let given = fields["collected_at"] {
            guard let seconds = given.numberValue, seconds.isFinite else {
                throw bad("'collected_at' must be seconds since 1970, got \(given.typeDescription)")
            }
            collectedAt = Date(timeIntervalSince1970: seconds)
        }
        let id: RecordID
        if let given = fields["record_id"] {
            guard case .string(let text) = given, let parsed = RecordID(uuidString: text) else {
                throw bad("'record_id' must be a record id (a UUID of version 8), got \(given.typeDescription)")
            }
            id = parsed
        } else {
            // Letters written before they carried the id: one made from the
            // letter itself, the same on every replay of the file.
            id = line.withUnsafeBytes { RecordID(sourceID: sourceID, key: "dead_letter:\(sequence)", index: 0, bytes: $0) }
        }
        let record = Record(
            Self.original(value), sourceID: sourceID, sequence: UInt64(sequence), collectedAt: collectedAt, id: id)
        return Entry(record: record, attempt: attempt, line: number, layer: error["layer"]?.stringValue)
    }

    /// The record as it was: `{"base64": ...}` alone is how a letter keeps
    /// bytes that were not UTF-8 text.
    static func original(_ value: DataValue) -> DataValue {
        guard case .object(let object) = value, object.count == 1, case .string(let text)? = object["base64"],
            let data = Data(base64Encoded: text)
        else { return value }
        return .bytes(Array(data))
    }
}
