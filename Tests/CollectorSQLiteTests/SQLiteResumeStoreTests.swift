import CollectorSQLite
import CollectorValues
import Collectors
import Foundation
import Testing

/// The local state file: entries come back with their types, a save is all
/// or nothing, scopes are apart, and a file that is not a state file says so.
@Suite("SQLiteResumeStore")
struct SQLiteResumeStoreTests {
    @Test("entries saved come back with their types, across a reopen")
    func roundTrip() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("state.db")
        let store = SQLiteResumeStore(path: path)
        #expect(try await store.load(scope: "a/p").isEmpty)
        #expect(!FileManager.default.fileExists(atPath: path), "loading creates no file")
        let state: DataValue = .object(["count": .integer(3), "sum": .double(1.0), "none": .null, "list": .array([])])
        try await store.save(
            scope: "a/p",
            entries: [ResumeKey.source("f"): .object(["offset": .integer(42)]), ResumeKey.processor("win"): state])
        try await store.save(scope: "a/p", entries: [ResumeKey.source("f"): .object(["offset": .integer(84)])])
        try await store.save(scope: "b/p", entries: [ResumeKey.source("f"): .integer(1)])
        await store.close()

        let reopened = SQLiteResumeStore(path: path)
        let entries = try await reopened.load(scope: "a/p")
        #expect(entries[ResumeKey.source("f")] == .object(["offset": .integer(84)]))
        #expect(entries[ResumeKey.processor("win")] == state)
        #expect(entries.count == 2)
        #expect(try await reopened.load(scope: "b/p") == [ResumeKey.source("f"): .integer(1)])
    }

    @Test("a file that is not a database is refused with a message naming it")
    func notADatabase() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("state.db")
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: path))
        let store = SQLiteResumeStore(path: path)
        do {
            _ = try await store.load(scope: "s")
            Issue.record("loading from a file that is not a database succeeded")
        } catch let error as ErrorInfo {
            #expect(error.message.contains(path))
            #expect(error.message.contains("not an SQLite database"))
        }
    }
}
