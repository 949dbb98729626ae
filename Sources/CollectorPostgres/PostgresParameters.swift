import CollectorStorage
import CollectorValues

/// The parameters of one statement, in libpq's text format: all values in one
/// contiguous byte buffer (each NUL-terminated), so a batch of thousands of
/// rows costs a few growing arrays, not an allocation per value.
struct PostgresParameters: PostgresRowWriter {
    private(set) var bytes: [UInt8] = []
    /// Start of each value in `bytes`; -1 for SQL NULL.
    private(set) var offsets: [Int] = []

    var count: Int { offsets.count }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
    }

    mutating func appendNull() {
        offsets.append(-1)
    }

    /// Appends UTF-8 text; `false` (and nothing appended) when it holds a NUL,
    /// which PostgreSQL text cannot store.
    mutating func append(_ text: String) -> Bool {
        var text = text
        let start = bytes.count
        let clean = text.withUTF8 { utf8 -> Bool in
            if utf8.contains(0) { return false }
            bytes.append(contentsOf: utf8)
            return true
        }
        guard clean else { return false }
        bytes.append(0)
        offsets.append(start)
        return true
    }

    mutating func append(_ value: Int64) {
        _ = append(String(value))
    }

    /// Appends the compact JSON text of `value`.
    mutating func appendJSON(_ value: DataValue) throws {
        let start = bytes.count
        do {
            try RecordJSON.append(value, to: &bytes)
        } catch {
            bytes.removeSubrange(start...)
            throw error
        }
        bytes.append(0)
        offsets.append(start)
    }

    /// Calls `body` with libpq's `paramValues` array.
    func withValues<R>(_ body: (UnsafePointer<UnsafePointer<CChar>?>?) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress)
            let pointers: [UnsafePointer<CChar>?] = offsets.map { offset in
                guard offset >= 0, let base else { return nil }
                return (base + offset).assumingMemoryBound(to: CChar.self)
            }
            return try pointers.withUnsafeBufferPointer { try body($0.baseAddress) }
        }
    }
}
