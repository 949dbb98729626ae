import CollectorMocks
import CollectorSQLite
import CollectorStorage
import CollectorValues
import Collectors
import Foundation
import Testing

/// Record ids in the SQLite backend, and a spool in front of it, on real files.
@Suite("SQLite: idempotent writes and the spool", .timeLimit(.minutes(2)))
struct SQLiteDurabilityTests {
    func records(_ range: Range<Int>) -> [Record] {
        range.map { n in
            Record(
                ["sensor_id": .string("s-\(n)"), "value": .double(Double(n)), "ts": .integer(Int64(n)), "severity": "normal"],
                sourceID: "s", sequence: UInt64(n + 1))
        }
    }

    @Test(arguments: ["document", "readings"])
    func aRecordStoredTwiceIsStoredOnce(layout: String) async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("out.db")
        let options = layout == "readings" ? SQLiteOptions.readings : SQLiteOptions()
        let storage = SQLiteStorage(path: path, options: options)
        try await storage.connect()
        let batch = records(0..<10)
        _ = try await storage.store(records: batch)
        _ = try await storage.store(records: Array(batch[5...]) + records(10..<12))
        #expect(try RawSQLite(path: path).count(options.table) == 12)
        let values = try await storage.query(QueryCriteria(sortBy: "ts"))
        #expect(values.map { $0["ts"] } == (0..<12).map { DataValue.integer(Int64($0)) })
        if layout == "document" {
            // The location id is the record's id.
            let ids = try RawSQLite(path: path).rows("SELECT location_id FROM records ORDER BY rowid LIMIT 2").map { $0[0] }
            #expect(ids == [batch[0].id.uuidString, batch[1].id.uuidString])
        }
        // Rows stored without ids (store(batch:)) are never taken for duplicates.
        _ = try await storage.store(batch: batch.map(\.value))
        _ = try await storage.store(batch: batch.map(\.value))
        #expect(try RawSQLite(path: path).count(options.table) == 32)
    }

    @Test func aTypedTableMadeBeforeRecordIDsGetsTheirColumn() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("old.db")
        try RawSQLite(path: path).execute("""
            CREATE TABLE "readings" ("sensor_id" TEXT NOT NULL, "value" REAL NOT NULL, "unit" TEXT, "ts" INTEGER NOT NULL,
              "site" TEXT, "severity" TEXT NOT NULL, "tags" TEXT);
            INSERT INTO readings (sensor_id, value, ts, severity) VALUES ('old', 1.0, 1, 'normal');
            """)
        let storage = SQLiteStorage(path: path, options: .readings)
        try await storage.connect()
        let batch = records(0..<3)
        _ = try await storage.store(records: batch)
        _ = try await storage.store(records: batch)
        #expect(try RawSQLite(path: path).count("readings") == 4)
        #expect(try RawSQLite(path: path).rows("SELECT sensor_id, record_id IS NULL FROM readings ORDER BY rowid LIMIT 2") == [
            ["old", "1"], ["s-0", "0"],
        ])
    }

    @Test func withoutRecordIDsATypedTableHasNoIDColumnAndStoresEveryCopy() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("bulk.db")
        var options = SQLiteOptions.readings
        options.recordIDs = false
        let storage = SQLiteStorage(path: path, options: options)
        try await storage.connect()
        let batch = records(0..<5)
        _ = try await storage.store(records: batch)
        _ = try await storage.store(records: batch)
        #expect(try RawSQLite(path: path).count("readings") == 10)
        #expect(try RawSQLite(path: path).rows("SELECT count(*) FROM pragma_table_info('readings') WHERE name = 'record_id'") == [["0"]])
    }

    @Test func aColumnNamedRecordIDIsRefused() async throws {
        let dir = try TemporaryDirectory()
        let storage = SQLiteStorage(
            path: dir.file("x.db"), options: SQLiteOptions(table: "t", layout: .columns([Column("record_id", .text)])))
        let error = await #expect(throws: ErrorInfo.self) { try await storage.connect() }
        #expect(error?.message.contains("column name 'record_id' is reserved") == true)
    }

    /// The database is locked by another connection (a long transaction, a
    /// backup): writes fail with SQLITE_BUSY, batches go to a spool file, and
    /// once the lock is gone they are replayed, in order, each once.
    @Test func aLockedDatabaseSpoolsAndReplaysInOrderOnceItIsFree() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("data.db")
        let storage = SQLiteStorage(path: path, options: SQLiteOptions(busyTimeoutMilliseconds: 20))
        try await storage.connect()
        let spool = SQLiteSpool(path: dir.file("spool.db"))
        let emitter = MockEventEmitter()
        let manager = StorageManager(
            backends: [storage],
            configuration: .init(
                batchSize: 50, maxBatchAge: .seconds(5),
                retryPolicy: RetryPolicy(maxAttempts: 2, initialDelay: .milliseconds(5), maxDelay: .milliseconds(50))),
            errorHandler: MockErrorHandler(), emitter: emitter, spool: spool, spoolNamespace: "p")
        await manager.setConnected(true)
        var lock: WriteLockHolder? = try WriteLockHolder(path: path)
        await manager.submit(records(0..<300))
        #expect(await manager.acknowledged == ["s": 300], "spooled is acknowledged")
        let spooled = await manager.statistics.spooled[storage.id] ?? 0
        #expect(spooled == 300)
        #expect(try await spool.depths() == ["p/\(storage.id)": 300])
        #expect(await manager.readiness.reasons.first?.contains("300 records in the spool") == true)
        withExtendedLifetime(lock) {}
        lock = nil  // the other transaction ends
        await manager.flush()
        await manager.drainSpool()
        #expect(try RawSQLite(path: path).count("records") == 300)
        let order = try RawSQLite(path: path).rows("SELECT json_extract(data, '$.ts') FROM records ORDER BY rowid").map { Int($0[0] ?? "") }
        #expect(order == (0..<300).map { Optional($0) })
        #expect(try await spool.depths().isEmpty)
        #expect(await manager.statistics.replayed[storage.id] == 300)
        #expect(emitter.events(of: .spooled).first?.data["reason"]?.stringValue?.contains("database is locked") == true)
        #expect(await manager.failingBackendIDs.isEmpty)
    }

    /// What one run spooled, the next replays before its own records.
    @Test func aRestartReplaysTheSpoolBeforeNewRecords() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("data.db")
        let spoolPath = dir.file("spool.db")
        do {
            let earlier = SQLiteSpool(path: spoolPath)
            try await earlier.append(records(0..<120), to: "p/db")
            await earlier.close()
        }
        let storage = SQLiteStorage(id: "db", path: path)
        try await storage.connect()
        let manager = StorageManager(
            backends: [storage], configuration: .init(batchSize: 50), errorHandler: MockErrorHandler(),
            spool: SQLiteSpool(path: spoolPath), spoolNamespace: "p")
        try await manager.openSpool()
        await manager.submit(records(120..<200))
        await manager.flush()
        await manager.drainSpool()
        let order = try RawSQLite(path: path).rows("SELECT json_extract(data, '$.ts') FROM records ORDER BY rowid").map { Int($0[0] ?? "") }
        #expect(order == (0..<200).map { Optional($0) })
    }
}
