import Collectors
import Testing

@testable import CollectorSQLite

/// The bounded statement cache never finalizes a statement that is in use.
@Suite("SQLite statement cache")
struct SQLiteStatementCacheTests {
    @Test func aHeldStatementSurvivesACacheFilledPastItsSize() throws {
        let dir = try TemporaryDirectory()
        let connection = try SQLiteConnection(path: dir.file("cache.db"), backend: "sqlite", readOnly: false, busyTimeoutMilliseconds: 1000)
        defer { connection.close() }
        try connection.execute("CREATE TABLE t (n INTEGER)", operation: "test")
        let extra = SQLiteConnection.statementCacheSize * 2
        let stored = try connection.withStatement("INSERT INTO t (n) VALUES (?1)", operation: "test") {
            (insert) throws(ErrorInfo) -> Int in
            try insert.bind(Int64(1), at: 1)
            // Many other texts while the insert is held: each may evict, never the insert.
            for n in 0..<extra {
                let value = try connection.withStatement("SELECT \(n)", operation: "test") { (select) throws(ErrorInfo) -> Int64 in
                    _ = try select.step(operation: "test")
                    return select.int64(0)
                }
                #expect(value == Int64(n))
            }
            // The same text again while held: a statement of its own.
            try connection.withStatement("INSERT INTO t (n) VALUES (?1)", operation: "test") { (again) throws(ErrorInfo) in
                try again.bind(Int64(2), at: 1)
                while try again.step(operation: "test") {}
            }
            while try insert.step(operation: "test") {}
            return connection.changes
        }
        #expect(stored == 1)
        #expect(connection.cachedStatementCount <= SQLiteConnection.statementCacheSize)
        let rows = try connection.withStatement("SELECT group_concat(n) FROM (SELECT n FROM t ORDER BY n)", operation: "test") {
            (select) throws(ErrorInfo) -> String in
            _ = try select.step(operation: "test")
            return select.string(0)
        }
        #expect(rows == "1,2")
    }
}
