import CSQLite

/// An exclusive transaction held open on an SQLite file by a connection of
/// its own, so that writers from other connections wait until `release()`.
final class SQLiteLock: @unchecked Sendable {
    private var handle: OpaquePointer?

    init(path: String) throws {
        guard sqlite3_open(path, &handle) == SQLITE_OK, sqlite3_exec(handle, "BEGIN EXCLUSIVE", nil, nil, nil) == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(handle)
            throw FixtureError("could not lock \(path): \(message)")
        }
    }

    func release() {
        sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
        sqlite3_close(handle)
        handle = nil
    }
}
