import CollectorPostgres
import CollectorStorage
import CollectorValues
import Collectors
import Testing

/// Several collectors (or several backends of one) that connect at the same
/// moment to a table that does not exist yet: every one connects, and the
/// table is made once. (`CREATE TABLE IF NOT EXISTS` alone lets all but one
/// fail on the catalog's unique index.)
@Suite("PostgreSQL: connecting at once to a new table", .serialized)
struct PostgresConcurrentConnectTests {
    @Test(arguments: [false, true])
    func everyBackendConnectsToATableMadeOnce(keyed: Bool) async throws {
        let url = try PostgresTestEnvironment.url()
        let table = PostgresTestEnvironment.uniqueTable("race")
        var options = PostgresOptions(table: table)
        if keyed { options.key = NaturalKey(["n"]) }
        let backends = try (0..<4).map { try PostgresStorage(id: "pg\($0)", url: url, options: options) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for backend in backends { group.addTask { try await backend.connect() } }
            try await group.waitForAll()
        }
        for (index, backend) in backends.enumerated() { _ = try await backend.store(batch: [["n": .integer(Int64(index))]]) }
        #expect(try await backends[0].storedCount() == 4)
        for backend in backends { await backend.disconnect() }
        _ = try? psqlValue(url, "DROP TABLE IF EXISTS \(table)")
    }

    @Test func resumeStoresMakeTheirTableOnceToo() async throws {
        let url = try PostgresTestEnvironment.url()
        let table = PostgresTestEnvironment.uniqueTable("resume_race")
        let stores = try (0..<4).map { _ in try PostgresResumeStore(url: url, table: table) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, store) in stores.enumerated() {
                group.addTask { try await store.save(scope: "s\(index)", entries: ["k": .integer(Int64(index))]) }
            }
            try await group.waitForAll()
        }
        #expect(try await stores[0].load(scope: "s3") == ["k": .integer(3)])
        _ = try? psqlValue(url, "DROP TABLE IF EXISTS \(table)")
    }
}
