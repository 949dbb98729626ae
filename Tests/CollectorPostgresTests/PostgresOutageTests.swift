import CollectorPostgres
import CollectorSQLite
import CollectorSources
import CollectorStorage
import Collectors
import CollectorValues
import Foundation
import Testing

/// Gives each record its sequence as `n`, so that the table can be checked for gaps and repeats.
private struct Numbered: Processor {
    let name = "numbered"

    func process(_ record: Record) async throws -> ProcessingResult {
        var value = record.value
        value["n"] = .integer(Int64(record.sequence))
        return .success(record.with(value: value))
    }
}

@Suite("PostgreSQL: record ids and an outage", .enabled(if: !PostgresTestEnvironment.optedOut))
struct PostgresOutageTests {
    @Test(arguments: PostgresBatchMethod.allCases)
    func aRecordStoredTwiceIsStoredOnce(_ method: PostgresBatchMethod) async throws {
        let table = PostgresTestEnvironment.uniqueTable("ids")
        let url = try PostgresTestEnvironment.url()
        let storage = try PostgresStorage(url: url, options: PostgresOptions(table: table, batchMethod: method))
        try await storage.connect()
        let records = (0..<10).map { Record(["n": .integer(Int64($0))], sourceID: "s", sequence: UInt64($0 + 1)) }
        _ = try await storage.store(records: records)
        _ = try await storage.store(records: Array(records[4...]))
        #expect(try psqlValue(url, "SELECT count(*) FROM \(table)") == "10")
        #expect(try psqlValue(url, "SELECT location_id FROM \(table) ORDER BY id LIMIT 1") == records[0].id.uuidString)
    }

    /// The test: PostgreSQL is killed (`pg_ctl stop -m immediate`)
    /// while a generator runs at full rate into it and comes back 10 s later.
    /// Batches that could not be written wait in an SQLite spool and are
    /// replayed; a batch whose commit the server made but the client never
    /// heard is replayed too, and its record ids keep it from being stored
    /// twice. After the run every record is in the table exactly once. For
    /// both batch methods; on a cluster of its own, so the other tests keep theirs.
    @Test(.serialized, .timeLimit(.minutes(5)), arguments: PostgresBatchMethod.allCases)
    func aServerKilledDuringAFullRateRunLosesAndRepeatsNothing(_ method: PostgresBatchMethod) async throws {
        let cluster = try OwnCluster("outage")
        defer { cluster.stop() }
        let url = cluster.url
        let spoolDirectory = NSTemporaryDirectory() + "collector-outage-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: spoolDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: spoolDirectory) }

        let total = 300_000
        let storage = try PostgresStorage(
            id: "pg", url: url,
            options: PostgresOptions(
                table: "outage", connectTimeoutSeconds: 2, reconnectAttempts: 1, reconnectDelaySeconds: 0.1, batchMethod: method))
        let spool = SQLiteSpool(path: spoolDirectory + "/spool.db")
        let generator = GeneratorSource(id: "gen", options: .init(count: total, recordsPerItem: 100))
        let pipeline = try Pipeline(
            name: "outage", sources: [generator], mode: .stream, processors: [Numbered()], backends: [storage],
            configuration: PipelineConfiguration(
                batchSize: 500,
                retryPolicy: RetryPolicy(maxAttempts: 2, initialDelay: .milliseconds(50), maxDelay: .seconds(1), deadline: nil),
                drainTimeout: .seconds(180)),
            errorHandler: DefaultErrorHandler(logger: nil), spool: spool)
        let running = Task { await pipeline.run() }

        // Records are going in: kill the server in the middle of the run.
        var stored = 0
        for _ in 0..<600 where stored < 20_000 {
            stored = Int((try? psqlValue(url, "SELECT count(*) FROM outage")) ?? "") ?? 0
            if stored < 20_000 { try await Task.sleep(for: .milliseconds(100)) }
        }
        try #require(stored >= 20_000, "the run never got going")
        try cluster.kill()
        try await Task.sleep(for: .seconds(10))
        try cluster.resume()

        let report = await running.value
        #expect(report.status == .completed, "\(String(describing: report.error))")
        let spooled = report.storage.spooled["pg"] ?? 0
        #expect(spooled > 0, "the outage sent batches to the spool")
        #expect(report.storage.replayed["pg"] == spooled)
        #expect(report.spooled.isEmpty, "nothing left in the spool")
        #expect(try psqlValue(url, "SELECT count(*) FROM outage") == "\(total)")
        #expect(try psqlValue(url, "SELECT count(DISTINCT (data->>'n')::bigint) FROM outage") == "\(total)")
        #expect(try psqlValue(url, "SELECT min((data->>'n')::bigint) || ' ' || max((data->>'n')::bigint) FROM outage") == "1 \(total)")
        await spool.close()
    }
}
