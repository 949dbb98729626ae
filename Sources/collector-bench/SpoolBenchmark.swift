import CollectorSQLite
import CollectorValues
import Collectors
import Foundation

/// The spool's rates: appends and replays of an `SQLiteSpool` on its own,
/// then through a `StorageManager` whose SQLite backend is down (everything
/// goes to the spool) and comes back (everything is replayed into it); and
/// what record ids cost the SQLite backend.
func runSpoolBenchmark(count: Int) async throws {
    let records = readingRecords(count)
    print("records: \(count) (the canonical workload's shape, 7 fields)")
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("collector-bench-spool-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let batch = 500

    let spool = SQLiteSpool(path: directory.appendingPathComponent("spool.db").path, options: .init(maxSize: 8 << 30))
    let appended = try await timed {
        for start in stride(from: 0, to: count, by: batch) {
            try await spool.append(Array(records[start..<min(start + batch, count)]), to: "bench/db")
        }
    }
    let replayed = try await timed {
        while true {
            let oldest = try await spool.oldest(in: "bench/db", limit: batch)
            if oldest.isEmpty { break }
            try await spool.remove(through: oldest.mark, from: "bench/db")
        }
    }
    await spool.close()
    print("SQLiteSpool.append, \(batch) a batch:               \(formatRate(Double(count) / appended)) records/s")
    print("SQLiteSpool.oldest + remove, \(batch) at a time:    \(formatRate(Double(count) / replayed)) records/s")

    // Through the storage manager: the backend is down, then back.
    let database = SQLiteStorage(id: "db", path: directory.appendingPathComponent("data.db").path, options: .readings)
    let outage = Outage(database)
    try await outage.connect()
    let manager = StorageManager(
        backends: [outage],
        configuration: .init(batchSize: batch, retryPolicy: RetryPolicy(maxAttempts: 1, initialDelay: .milliseconds(1))),
        errorHandler: DefaultErrorHandler(logger: nil),
        spool: SQLiteSpool(path: directory.appendingPathComponent("manager-spool.db").path, options: .init(maxSize: 8 << 30)),
        spoolNamespace: "bench")
    let spooled = await timed {
        await manager.submit(records)
        await manager.flush()
    }
    outage.isDown = false
    let back = await timed { await manager.drainSpool() }
    let statistics = await manager.statistics
    guard statistics.spooled["db"] == count, statistics.replayed["db"] == count else {
        throw BenchmarkError(message: "spooled \(statistics.spooled), replayed \(statistics.replayed) of \(count)")
    }
    print("StorageManager, backend down: into the spool       \(formatRate(Double(count) / spooled)) records/s")
    print("StorageManager, backend back: replayed into SQLite \(formatRate(Double(count) / back)) records/s")

    // What ids cost the SQLite backend: rows with ids (store(records:), the pipeline's
    // write) and without (store(batch:)), into fresh readings tables, best of 3.
    var withIDs: [Double] = []
    var without: [Double] = []
    for round in 1...3 {
        let plain = SQLiteStorage(path: directory.appendingPathComponent("plain-\(round).db").path, options: .readings)
        try await plain.connect()
        without.append(try await timed { _ = try await plain.store(batch: records.map(\.value)) })
        await plain.disconnect()
        let keyed = SQLiteStorage(path: directory.appendingPathComponent("ids-\(round).db").path, options: .readings)
        try await keyed.connect()
        withIDs.append(try await timed { _ = try await keyed.store(records: records) })
        await keyed.disconnect()
    }
    print("SQLiteStorage readings, store(batch:), no ids:     \(formatRate(Double(count) / without.min()!)) rows/s")
    print("SQLiteStorage readings, store(records:), ids:      \(formatRate(Double(count) / withIDs.min()!)) rows/s")

    // The same in transactions of 1,000 rows, as a pipeline writes (canonical.lua's
    // batch_size): each commit writes the pages it changed, so where ids land in
    // the index counts. A counter's ids (RecordID.unique(), any source without a
    // stable place) land at its end; a followed file's (hashes of the place and
    // the line) land anywhere.
    let hashed = records.enumerated().map { index, record in
        var copy = record
        copy.id = withUnsafeBytes(of: index) {
            RecordID(sourceID: "bench", key: "1:2:\(index / 100 * 8192)", index: index % 100, bytes: $0)
        }
        return copy
    }
    let perBatch = 1_000
    for (label, rows, ids) in [
        ("no ids:     ", records, false), ("counter ids:", records, true), ("hashed ids: ", hashed, true),
    ] {
        let table = SQLiteStorage(path: directory.appendingPathComponent("batches-\(ids)-\(rows[0].id).db").path, options: .readings)
        try await table.connect()
        let elapsed = try await timed {
            for start in stride(from: 0, to: count, by: perBatch) {
                let part = Array(rows[start..<min(start + perBatch, count)])
                _ = ids ? try await table.store(records: part) : try await table.store(batch: part.map(\.value))
            }
        }
        await table.disconnect()
        print("SQLiteStorage readings, \(perBatch) a commit, \(label) \(formatRate(Double(count) / elapsed)) rows/s")
    }
}

/// A backend that fails (retryably, as a server that is down) while `isDown`.
private final class Outage: StorageBackend, @unchecked Sendable {
    // @unchecked: `isDown` is a flag the benchmark flips once, between phases, behind a lock.
    private let lock = NSLock()
    private var down = true
    let backend: any StorageBackend
    var id: String { backend.id }

    init(_ backend: any StorageBackend) { self.backend = backend }

    var isDown: Bool {
        get { lock.withLock { down } }
        set { lock.withLock { down = newValue } }
    }

    func connect() async throws { try await backend.connect() }
    func disconnect() async { await backend.disconnect() }
    func store(_ record: DataValue) async throws -> StorageLocation {
        try check()
        return try await backend.store(record)
    }
    func store(batch records: [DataValue]) async throws -> StoredBatch {
        try check()
        return try await backend.store(batch: records)
    }
    func store(records: [Record]) async throws -> StoredBatch {
        try check()
        return try await backend.store(records: records)
    }
    func query(_ criteria: QueryCriteria) async throws -> [DataValue] { try await backend.query(criteria) }
    func delete(locationID: String) async throws { try await backend.delete(locationID: locationID) }

    private func check() throws {
        if isDown {
            throw ErrorInfo(.connection, layer: .storage, operation: "store", message: "down", isRetryable: true)
        }
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// Records shaped like the canonical workload's processed rows.
func readingRecords(_ count: Int) -> [Record] {
    let units = ["F", "RH", "kPa"]
    return (0..<count).map { n in
        let value: DataValue = [
            "sensor_id": .string("s-\(String(format: "%04d", n % 1000))"), "value": .double(Double(n % 10_000) / 100),
            "unit": .string(units[n % 3]), "ts": .integer(1_764_288_000_000 + Int64(n) * 10),
            "site": .string("plant-\(n % 9)"), "severity": n % 17 == 0 ? "high" : "normal",
            "tags": ["line": .string(["a", "b", "c"][n % 3]), "shift": .integer(Int64(n % 3 + 1))],
        ]
        return Record(value, sourceID: "bench", sequence: UInt64(n + 1))
    }
}

/// Seconds `body` took.
func timed(_ body: () async throws -> Void) async rethrows -> Double {
    let start = ContinuousClock.now
    try await body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
}
