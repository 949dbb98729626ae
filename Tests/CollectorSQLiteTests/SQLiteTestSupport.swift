import CSQLite
import CollectorValues
import Foundation
import Testing

/// Reads a database with SQLite directly, not through the backend under test.
struct RawSQLite {
    let path: String

    /// The rows of `sql`, every column as text (NULL as nil).
    func rows(_ sql: String) throws -> [[String?]] {
        var db: OpaquePointer?
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else {
            defer { sqlite3_close_v2(db) }
            throw RawSQLiteError(message: String(cString: sqlite3_errmsg(db)))
        }
        defer { sqlite3_close_v2(db) }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else {
            throw RawSQLiteError(message: String(cString: sqlite3_errmsg(db)))
        }
        defer { sqlite3_finalize(statement) }
        var rows: [[String?]] = []
        while sqlite3_step(statement) == SQLITE_ROW {
            rows.append((0..<sqlite3_column_count(statement)).map { column in
                sqlite3_column_text(statement, column).map { String(cString: $0) }
            })
        }
        return rows
    }

    /// Runs SQL that changes the database (for tests that damage or prepare a file).
    func execute(_ sql: String) throws {
        var db: OpaquePointer?
        defer { sqlite3_close_v2(db) }
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil) == SQLITE_OK,
            sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK
        else { throw RawSQLiteError(message: String(cString: sqlite3_errmsg(db))) }
    }

    func count(_ table: String) throws -> Int {
        Int(try rows("SELECT count(*) FROM \"\(table)\"")[0][0] ?? "") ?? -1
    }
}

/// Writes a text file where a database is expected.
func writeNotADatabase(_ path: String) throws {
    try Data(String(repeating: "this is not a database\n", count: 100).utf8).write(to: URL(fileURLWithPath: path))
}

struct RawSQLiteError: Error {
    let message: String
}

/// A write lock held by another connection, for busy-database tests.
final class WriteLockHolder {
    private var db: OpaquePointer?

    init(path: String) throws {
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK,
            sqlite3_exec(db, "BEGIN IMMEDIATE", nil, nil, nil) == SQLITE_OK
        else { throw RawSQLiteError(message: String(cString: sqlite3_errmsg(db))) }
    }

    deinit {
        sqlite3_exec(db, "ROLLBACK", nil, nil, nil)
        sqlite3_close_v2(db)
    }
}

/// Runs a command (for `chattr`), returning its exit status (128 + the
/// signal for one killed). Reaped with `waitpid`, not `waitUntilExit()`,
/// which needs a dispatch thread that a pool busy with tests may not give.
@discardableResult
func runCommand(_ arguments: [String]) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.standardError = FileHandle.nullDevice
    try process.run()
    var status: Int32 = 0
    var result = waitpid(process.processIdentifier, &status, 0)
    while result < 0, errno == EINTR { result = waitpid(process.processIdentifier, &status, 0) }
    // ECHILD: Foundation's monitor reaped it first, so it has its thread and records the status.
    guard result > 0 else { process.waitUntilExit(); return process.terminationStatus }
    return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
}

let benchRecords: [DataValue] = [
    ["sensor_id": "s-0593", "value": 69.31, "unit": "F", "ts": 1_764_288_000_009, "site": "plant-8", "tags": ["line": "c", "shift": 1], "severity": "normal"],
    ["sensor_id": "s-0001", "value": 95.5, "unit": "RH", "ts": 1_764_288_000_010, "tags": [:], "severity": "high"],
    ["sensor_id": "s-0002", "value": 12, "unit": "F", "ts": 1_764_288_000_011, "site": "plant-1", "severity": "normal"],
]
