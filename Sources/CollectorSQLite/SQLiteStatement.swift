import CSQLite
import Collectors
import CollectorValues

/// A prepared statement: bind, step, read columns, reset.
///
/// Owned by its `SQLiteConnection` (finalized when the connection closes),
/// so it shares the connection's confinement. Reached only inside
/// `SQLiteConnection.withStatement`, which marks it in use meanwhile.
final class SQLiteStatement {
    private var handle: OpaquePointer?
    private unowned let connection: SQLiteConnection
    /// Lent to a caller now: the cache must not finalize it.
    var isInUse = false

    init(_ handle: OpaquePointer, connection: SQLiteConnection) {
        self.handle = handle
        self.connection = connection
    }

    func finalize() {
        sqlite3_finalize(handle)
        handle = nil
    }

    /// Clears bindings and rewinds; errors of the last step were already reported by `step`.
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// One step: `true` when a row is ready to read, `false` when done.
    func step(operation: String) throws(ErrorInfo) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = connection.error(code, operation: operation)
            sqlite3_reset(handle)
            throw error
        }
    }

    // MARK: binding (indexes from 1, as in SQLite)

    func bindNull(_ index: Int32) throws(ErrorInfo) {
        try check(sqlite3_bind_null(handle, index))
    }

    func bind(_ value: Int64, at index: Int32) throws(ErrorInfo) {
        try check(sqlite3_bind_int64(handle, index, value))
    }

    func bind(_ value: Double, at index: Int32) throws(ErrorInfo) {
        try check(sqlite3_bind_double(handle, index, value))
    }

    /// Binds the string's UTF-8 bytes (NUL characters included) without an intermediate copy.
    func bind(_ value: String, at index: Int32) throws(ErrorInfo) {
        var value = value
        let code = value.withUTF8 { bytes -> Int32 in
            let base = UnsafeRawPointer(bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!)
            return sqlite3_bind_text64(
                handle, index, base.assumingMemoryBound(to: CChar.self), sqlite3_uint64(bytes.count), csqlite_transient(),
                UInt8(SQLITE_UTF8))
        }
        try check(code)
    }

    /// Binds bytes as TEXT (JSON) or as a BLOB.
    func bind(bytes: [UInt8], asText: Bool, at index: Int32) throws(ErrorInfo) {
        try bind(bytes: bytes[...], asText: asText, at: index)
    }

    /// Binds bytes as TEXT (JSON) or as a BLOB.
    func bind(bytes: ArraySlice<UInt8>, asText: Bool, at index: Int32) throws(ErrorInfo) {
        let code = bytes.withUnsafeBufferPointer { buffer -> Int32 in
            let base = UnsafeRawPointer(buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!)
            if asText {
                return sqlite3_bind_text64(handle, index, base.assumingMemoryBound(to: CChar.self), sqlite3_uint64(buffer.count), csqlite_transient(), UInt8(SQLITE_UTF8))
            }
            return sqlite3_bind_blob64(handle, index, base, sqlite3_uint64(buffer.count), csqlite_transient())
        }
        try check(code)
    }

    /// Binds UTF-8 bytes as TEXT (SQLite copies them).
    func bind(text bytes: UnsafeBufferPointer<UInt8>, at index: Int32) throws(ErrorInfo) {
        let base = UnsafeRawPointer(bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!)
        try check(sqlite3_bind_text64(
            handle, index, base.assumingMemoryBound(to: CChar.self), sqlite3_uint64(bytes.count), csqlite_transient(), UInt8(SQLITE_UTF8)))
    }

    /// Binds a record id as its 16 bytes (a BLOB), from the stack.
    func bind(_ id: RecordID, at index: Int32) throws(ErrorInfo) {
        var words = (id.high.bigEndian, id.low.bigEndian)
        let code = withUnsafeBytes(of: &words) { bytes in
            sqlite3_bind_blob64(handle, index, bytes.baseAddress, sqlite3_uint64(bytes.count), csqlite_transient())
        }
        try check(code)
    }

    private func check(_ code: Int32) throws(ErrorInfo) {
        guard code == SQLITE_OK else { throw connection.error(code, operation: "bind") }
    }

    // MARK: reading (indexes from 0, as in SQLite)

    func columnType(_ index: Int32) -> Int32 { sqlite3_column_type(handle, index) }
    func int64(_ index: Int32) -> Int64 { sqlite3_column_int64(handle, index) }
    func double(_ index: Int32) -> Double { sqlite3_column_double(handle, index) }

    /// The column's bytes (TEXT or BLOB), valid until the next step or reset.
    func withBytes<R>(_ index: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let isBlob = sqlite3_column_type(handle, index) == SQLITE_BLOB
        let pointer = isBlob ? sqlite3_column_blob(handle, index) : UnsafeRawPointer(sqlite3_column_text(handle, index))
        let count = Int(sqlite3_column_bytes(handle, index))
        guard let pointer else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeBufferPointer(start: pointer.assumingMemoryBound(to: UInt8.self), count: count))
    }

    func string(_ index: Int32) -> String {
        withBytes(index) { String(decoding: $0, as: UTF8.self) }
    }
}
