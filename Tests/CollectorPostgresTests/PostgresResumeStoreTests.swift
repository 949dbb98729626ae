import CollectorPostgres
import CollectorValues
import Collectors
import Foundation
import Testing

/// The resume store on a real server: the table is created on first use,
/// saves are upserts, values keep their types, scopes are apart.
@Suite("PostgresResumeStore", .enabled(if: !PostgresTestEnvironment.optedOut))
struct PostgresResumeStoreTests {
    @Test("entries saved come back with their types, from another connection")
    func roundTrip() async throws {
        let url = try PostgresTestEnvironment.url()
        let table = PostgresTestEnvironment.uniqueTable("resume")
        let store = try PostgresResumeStore(url: url, table: table)
        #expect(try await store.load(scope: "a/p").isEmpty)
        let state: DataValue = .object(["count": .integer(Int64.max), "sum": .double(2.0), "none": .null])
        try await store.save(
            scope: "a/p", entries: [ResumeKey.source("sse"): .string("ev-7"), ResumeKey.processor("win"): state])
        try await store.save(scope: "a/p", entries: [ResumeKey.source("sse"): .string("ev-9")])
        try await store.save(scope: "b/p", entries: [ResumeKey.source("sse"): .string("other")])
        await store.close()

        let other = try PostgresResumeStore(url: url, table: table)
        let entries = try await other.load(scope: "a/p")
        #expect(entries == [ResumeKey.source("sse"): .string("ev-9"), ResumeKey.processor("win"): state])
        #expect(try psqlValue(url, "SELECT count(*) FROM \(table)") == "3")
        await other.close()
    }

    @Test("a table name that is not plain is refused before connecting")
    func badTable() throws {
        #expect(throws: ErrorInfo.self) { _ = try PostgresResumeStore(url: "postgresql://127.0.0.1/x", table: "a; drop") }
    }
}
