import CollectorMocks
import CollectorSQLite
import CollectorStorage
import CollectorValues
import Collectors
import Foundation
import Testing

/// The storage manager over real backends: one SQLite file that works and
/// one that fills up (`max_page_count`), side by side.
@Suite("StorageManager with real SQLite backends")
struct StorageManagerWithSQLiteTests {
    @Test func whenOneBackendFailsTheOtherStillStoresAndTheFailureIsReported() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("collector-manager-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let good = SQLiteStorage(id: "good", path: directory.appendingPathComponent("good.db").path)
        let full = SQLiteStorage(
            id: "full", path: directory.appendingPathComponent("full.db").path,
            options: SQLiteOptions(maxPageCount: 8))
        try await good.connect()
        try await full.connect()
        let events = MockEventEmitter()
        let errors = MockErrorHandler()
        let manager = StorageManager(
            backends: [good, full],
            configuration: .init(batchSize: 100, retryPolicy: .never),
            errorHandler: errors, emitter: events)

        let payload = String(repeating: "x", count: 200)
        let records = (0..<500).map { i in
            Record(["n": .integer(Int64(i)), "payload": .string(payload)], sourceID: "test", sequence: UInt64(i))
        }
        await manager.submit(records)
        await manager.flush()

        let stored = try await good.query(QueryCriteria(sortBy: "n"))
        #expect(stored.map { $0["n"] } == (0..<500).map { DataValue.integer(Int64($0)) })

        let statistics = await manager.statistics
        #expect(statistics.stored["good"] == 500)
        #expect((statistics.failed["full"] ?? 0) > 0)
        let reported = errors.errors
        #expect(reported.contains { $0.layer == .storage && $0.details["backend_id"] == "full" })
        await events.drain()
        #expect(!events.events(of: .storageFailed).isEmpty)

        // What the full backend confirmed is there exactly once; nothing else is.
        let partial = try await full.query(QueryCriteria(sortBy: "n"))
        #expect(Set(partial.compactMap { $0["n"]?.intValue }).count == partial.count)
        await good.disconnect()
        await full.disconnect()
    }
}
