import CPostgres
import CollectorPostgres
import CollectorStorage
import Collectors
import CollectorValues
import Foundation
import Testing

/// A store waiting on a lock another transaction holds ends when its task
/// is cancelled: the server cancels the statement, the transaction rolls
/// back, the store throws `CancellationError`, and the connection stores the
/// next batch.
@Suite("PostgresStorage cancellation", .enabled(if: !PostgresTestEnvironment.optedOut))
struct PostgresCancellationTests {
    struct Setup: Sendable, CustomTestStringConvertible {
        let typed: Bool
        let method: PostgresBatchMethod

        var testDescription: String { "\(typed ? "columns" : "document"), \(method.rawValue)" }

        func options(table: String) -> PostgresOptions {
            PostgresOptions(
                table: table, layout: typed ? .columns([Column("n", .integer, nullable: false)]) : .document, batchMethod: method)
        }

        static let all = [false, true].flatMap { typed in PostgresBatchMethod.allCases.map { Setup(typed: typed, method: $0) } }
    }

    @Test(arguments: Setup.all)
    func aStoreWaitingOnALockEndsWhenCancelled(setup: Setup) async throws {
        let url = try PostgresTestEnvironment.url()
        let table = PostgresTestEnvironment.uniqueTable("cancel")
        let storage = try PostgresStorage(id: "pg", url: url, options: setup.options(table: table))
        try await storage.connect()
        _ = try await storage.store(batch: [["n": 0]])

        var lock: TableLock? = try TableLock(url: url, table: table)
        let ended = Locked(false)
        let task = Task {
            defer { ended.withLock { $0 = true } }
            return try await storage.store(batch: [["n": 1], ["n": 2], ["n": 3]])
        }
        try await waitUntilWaiting(url: url, table: table)
        #expect(!ended.withLock { $0 }, "the store did not wait for the lock")
        task.cancel()
        let outcome = await outcome(of: task, within: .seconds(10))
        lock?.release()
        lock = nil
        let result = try #require(outcome, "the cancelled store was still waiting 10 s after its task was cancelled")
        #expect(throws: CancellationError.self) { try result.get() }

        #expect(try psqlValue(url, "SELECT count(*) FROM \(table)") == "1", "nothing of the cancelled batch is stored")
        let next = try await storage.store(batch: [["n": 4], ["n": 5]])
        #expect(next.count == 2)
        #expect(try await storage.storedCount() == 3)
        await storage.disconnect()
        _ = try? psqlValue(url, "DROP TABLE IF EXISTS \(table)")
    }

    @Test func aStoreWhoseTaskIsCancelledAlreadyStoresNothing() async throws {
        let url = try PostgresTestEnvironment.url()
        let table = PostgresTestEnvironment.uniqueTable("cancel")
        let storage = try PostgresStorage(id: "pg", url: url, options: PostgresOptions(table: table))
        try await storage.connect()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await storage.store(batch: [["n": 1]])
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(try await storage.storedCount() == 0)
        _ = try await storage.store(batch: [["n": 2]])
        #expect(try await storage.storedCount() == 1)
        await storage.disconnect()
        _ = try? psqlValue(url, "DROP TABLE IF EXISTS \(table)")
    }

    /// Until a statement of the collector's waits for a lock on `table` (a bounded wait).
    private func waitUntilWaiting(url: String, table: String) async throws {
        let waiting = """
            SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
            WHERE a.application_name = 'collector' AND NOT l.granted AND l.relation = '\(table)'::regclass
            """
        for _ in 0..<500 {
            if try psqlValue(url, waiting) != "0" { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("no store waited for the lock on \(table) within 10 s")
    }
}

/// An exclusive lock on a table, held by a transaction of a connection of
/// its own until `release()`.
final class TableLock {
    private var connection: OpaquePointer?

    init(url: String, table: String) throws {
        connection = PQconnectdb(url)
        guard PQstatus(connection) == CONNECTION_OK else {
            defer { release() }
            throw CommandError(message: "cannot connect to lock \(table): \(String(cString: PQerrorMessage(connection)))")
        }
        let result = PQexec(connection, "BEGIN; LOCK TABLE \(table) IN ACCESS EXCLUSIVE MODE")
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COMMAND_OK else {
            defer { release() }
            throw CommandError(message: "cannot lock \(table): \(String(cString: PQerrorMessage(connection)))")
        }
    }

    func release() {
        guard let connection else { return }
        PQclear(PQexec(connection, "ROLLBACK"))
        PQfinish(connection)
        self.connection = nil
    }

    deinit { release() }
}

/// The task's result, or `nil` when it has not ended within `limit` (it is
/// then left running, not awaited).
func outcome<T: Sendable>(of task: Task<T, any Error>, within limit: Duration) async -> Result<T, any Error>? {
    let box = Locked<Result<T, any Error>?>(nil)
    let waiter = Task {
        let result = await task.result
        box.withLock { $0 = result }
    }
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if let result = box.withLock({ $0 }) { return result }
        try? await Task.sleep(for: .milliseconds(10))
    }
    waiter.cancel()
    return box.withLock { $0 }
}
