import CollectorConformance
import CollectorMocks
import CollectorPostgres
import CollectorSQLite
import CollectorStorage
import Collectors
import CollectorValues
import Foundation
import Testing

/// The conformance kit against every backend the package ships, and the mock.
extension ConformanceRuns {
    @Suite struct BackendConformanceTests {
        private func expectConformance(_ kit: BackendConformance, skipping allowed: Set<String> = []) async {
            let report = await kit.run()
            #expect(report.failures.isEmpty, "\(report)")
            let skipped = Set(report.skipped.map(\.name))
            #expect(skipped.isSubset(of: allowed), "checks skipped that should have run:\n\(report)")
        }

        /// A field layout for the typed tables: text where a record has a number is refused.
        static let columns: [Column] = [
            Column("conformance", .text, nullable: false), Column("n", .integer, nullable: false), Column("name", .text),
        ]

        @Test func sqliteDocuments() async throws {
            try await withTemporaryDirectory { dir in
                await expectConformance(
                    BackendConformance(
                        name: "sqlite", capabilities: [.query, .recordIDs],
                        // Writers would wait a minute for a lock: a cancelled store must not.
                        make: { SQLiteStorage(id: "sqlite", path: dir + "/records.db", options: SQLiteOptions(busyTimeoutMilliseconds: 60_000)) },
                        refusedValue: ["n": .double(.nan)],
                        blockStores: {
                            let lock = try SQLiteLock(path: dir + "/records.db")
                            return { lock.release() }
                        }))
            }
        }

        @Test func sqliteColumns() async throws {
            try await withTemporaryDirectory { dir in
                await expectConformance(
                    BackendConformance(
                        name: "sqlite typed", capabilities: [.query, .recordIDs],
                        make: {
                            SQLiteStorage(
                                id: "sqlite", path: dir + "/typed.db",
                                options: SQLiteOptions(table: "typed", layout: .columns(Self.columns), busyTimeoutMilliseconds: 60_000))
                        },
                        refusedValue: ["conformance": "x", "n": "not a number"],
                        blockStores: {
                            let lock = try SQLiteLock(path: dir + "/typed.db")
                            return { lock.release() }
                        }))
            }
        }

        @Test func jsonLines() async throws {
            try await withTemporaryDirectory { dir in
                await expectConformance(
                    BackendConformance(
                        name: "jsonl", capabilities: [.query],
                        make: { JSONLinesStorage(id: "jsonl", path: dir + "/out.jsonl") }, refusedValue: ["n": .double(.nan)],
                        readStored: {
                            let text = (try? String(contentsOfFile: dir + "/out.jsonl", encoding: .utf8)) ?? ""
                            return try text.split(separator: "\n").map { try JSONReader().read(String($0)) }
                        }),
                    skipping: [BackendConformance.Check.recordIDs, BackendConformance.Check.cancellation])
            }
        }

        /// Standard error, not standard output: what the kit stores shows in
        /// the test log, and the test runner's own output stays whole.
        @Test func console() async {
            await expectConformance(
                BackendConformance(
                    name: "console", make: { ConsoleStorage(id: "console", options: ConsoleOptions(stream: .stderr)) },
                    refusedValue: ["n": .double(.nan)]),
                // Nothing to read back (the checks that read what was stored), and nothing blocks a write.
                skipping: [
                    BackendConformance.Check.roundTrip, BackendConformance.Check.recordIDs,
                    BackendConformance.Check.disconnectFlushes, BackendConformance.Check.cancellation,
                ])
        }

        @Test func memory() async {
            let shared = MemoryStorage(id: "memory")
            await expectConformance(
                BackendConformance(name: "memory", capabilities: [.query, .recordIDs], make: { shared }),
                skipping: [BackendConformance.Check.refusedRecord, BackendConformance.Check.cancellation])
        }

        @Test func null() async {
            await expectConformance(
                BackendConformance(name: "null", make: { NullStorage(id: "null") }, refusedValue: ["n": .double(.nan)]),
                skipping: [
                    BackendConformance.Check.roundTrip, BackendConformance.Check.recordIDs, BackendConformance.Check.cancellation,
                    BackendConformance.Check.disconnectFlushes,
                ])
        }

        @Test func mockStorageBackend() async {
            let shared = MockStorageBackend(id: "mock")
            await expectConformance(
                BackendConformance(name: "mock", capabilities: [.query], make: { shared }),
                skipping: [BackendConformance.Check.recordIDs, BackendConformance.Check.refusedRecord, BackendConformance.Check.cancellation])
        }
    }
}

extension ConformanceRuns.BackendConformanceTests {
    @Test(.disabled(if: PostgresServer.optedOut, "COLLECTOR_TEST_POSTGRES_OPTOUT=1"))
    func postgresDocuments() async throws {
        let url = try PostgresServer.url()
        let table = PostgresServer.uniqueTable("conformance")
        await expectConformance(
            BackendConformance(
                name: "postgres", capabilities: [.query, .recordIDs],
                make: { try PostgresStorage(id: "postgres", url: url, options: PostgresOptions(table: table)) },
                refusedValue: ["n": .double(.nan)],
                blockStores: { try await PostgresServer.lock(url, table: table) }))
        try await PostgresServer.psql(url, "DROP TABLE IF EXISTS \(table)")
    }

    @Test(.disabled(if: PostgresServer.optedOut, "COLLECTOR_TEST_POSTGRES_OPTOUT=1"))
    func postgresColumns() async throws {
        let url = try PostgresServer.url()
        let table = PostgresServer.uniqueTable("conformance_typed")
        await expectConformance(
            BackendConformance(
                name: "postgres typed", capabilities: [.query, .recordIDs],
                make: {
                    try PostgresStorage(id: "postgres", url: url, options: PostgresOptions(table: table, layout: .columns(Self.columns)))
                },
                refusedValue: ["conformance": "x", "n": "not a number"],
                blockStores: { try await PostgresServer.lock(url, table: table) }))
        try await PostgresServer.psql(url, "DROP TABLE IF EXISTS \(table)")
    }
}
