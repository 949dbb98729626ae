import CollectorSQLite
import CollectorStorage
import Collectors
import CollectorValues
import Foundation
import Testing

@Suite("SQLiteStorage failures")
struct SQLiteFailureTests {
    @Test func aFileThatIsNotSQLite() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("notes.txt")
        try writeNotADatabase(path)
        let storage = SQLiteStorage(path: path)
        let error = await #expect(throws: ErrorInfo.self) { try await storage.connect() }
        #expect(error?.layer == .storage)
        #expect(error?.details["sqlite_code"] == 26)  // SQLITE_NOTADB
        #expect(error?.message.contains(path) == true)
        #expect(error?.message.contains("not a database") == true)
        #expect(error?.isRetryable == false)
    }

    @Test func aDirectoryPath() async throws {
        let dir = try TemporaryDirectory()
        let storage = SQLiteStorage(path: dir.path)
        let error = await #expect(throws: ErrorInfo.self) { try await storage.connect() }
        #expect(error?.details["sqlite_code"] == 14)  // SQLITE_CANTOPEN
        #expect(error?.message.contains(dir.path) == true)
    }

    @Test func aReadOnlyFile() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("ro.db")
        let writer = SQLiteStorage(path: path)
        try await writer.connect()
        _ = try await writer.store(["x": 1])
        await writer.disconnect()
        // Root ignores permission bits, so the file is made immutable as well (and made mutable again after).
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)
        if geteuid() == 0 { try #require(try runCommand(["chattr", "+i", path]) == 0, "chattr +i is needed to make a file read-only for root") }
        defer { if geteuid() == 0 { _ = try? runCommand(["chattr", "-i", path]) } }

        let storage = SQLiteStorage(path: path)
        let error = await #expect(throws: ErrorInfo.self) { try await storage.connect() }
        #expect(error?.message.contains("read-only") == true)
        #expect(error?.message.contains(path) == true)

        // Opened read-only on purpose, it can be queried but not written.
        let reader = SQLiteStorage(path: path, options: SQLiteOptions(readOnly: true))
        try await reader.connect()
        #expect(try await reader.query(QueryCriteria()) == [["x": 1]])
        let storeError = await #expect(throws: ErrorInfo.self) { try await reader.store(["x": 2]) }
        #expect(storeError?.details["sqlite_code"] == 8)  // SQLITE_READONLY
    }

    @Test func aFullDatabaseRollsTheBatchBack() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("full.db")
        let storage = SQLiteStorage(path: path, options: SQLiteOptions(maxPageCount: 8))
        try await storage.connect()
        _ = try await storage.store(["small": 1])
        let big = (0..<200).map { DataValue.object(["i": .integer(Int64($0)), "pad": .string(String(repeating: "x", count: 500))]) }
        let error = await #expect(throws: ErrorInfo.self) { try await storage.store(batch: big) }
        #expect(error?.details["sqlite_code"] == 13)  // SQLITE_FULL
        #expect(error?.type == .storage)
        #expect(error?.message.contains("database or disk is full") == true)
        #expect(error?.message.contains("maxPageCount caps the database at 8 pages") == true)
        #expect(error?.isRetryable == true)
        #expect(try await storage.query(QueryCriteria()) == [["small": 1]])
        // The backend is still usable after the failure.
        _ = try await storage.store(["small": 2])
        #expect(try await storage.query(QueryCriteria()).count == 2)
    }

    @Test func aBusyDatabaseIsRetryable() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("busy.db")
        let storage = SQLiteStorage(path: path, options: SQLiteOptions(busyTimeoutMilliseconds: 10))
        try await storage.connect()
        do {
            let lock = try WriteLockHolder(path: path)
            let error = await #expect(throws: ErrorInfo.self) { try await storage.store(["x": 1]) }
            #expect(error?.details["sqlite_code"] == 5)  // SQLITE_BUSY
            #expect(error?.isRetryable == true)
            withExtendedLifetime(lock) {}
        }
        // Once the other connection lets go, the same call succeeds.
        _ = try await storage.store(["x": 1])
        #expect(try RawSQLite(path: path).count("records") == 1)
    }

    @Test func storeAfterDisconnect() async throws {
        let dir = try TemporaryDirectory()
        let storage = SQLiteStorage(path: dir.file("dc.db"))
        try await storage.connect()
        await storage.disconnect()
        let error = await #expect(throws: ErrorInfo.self) { try await storage.store(["x": 1]) }
        #expect(error?.type == .connection)
        #expect(error?.message.contains("not connected") == true)
        await #expect(throws: ErrorInfo.self) { try await storage.query(QueryCriteria()) }
    }
}
