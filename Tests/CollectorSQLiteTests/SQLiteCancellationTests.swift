import CollectorSQLite
import CollectorStorage
import Collectors
import CollectorValues
import Foundation
import Testing

/// A store waiting for another connection's lock ends when its task is
/// cancelled: it throws `CancellationError`, stores nothing, and the
/// connection stores the next batch.
@Suite("SQLiteStorage cancellation")
struct SQLiteCancellationTests {
    enum Layout: String, CaseIterable, Sendable {
        case document, columns

        var options: SQLiteOptions {
            switch self {
            case .document: SQLiteOptions(busyTimeoutMilliseconds: 60_000)
            case .columns:
                SQLiteOptions(layout: .columns([Column("n", .integer, nullable: false)]), busyTimeoutMilliseconds: 60_000)
            }
        }
    }

    @Test(arguments: Layout.allCases)
    func aStoreWaitingForALockEndsWhenCancelled(layout: Layout) async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("data.db")
        let storage = SQLiteStorage(path: path, options: layout.options)
        try await storage.connect()
        _ = try await storage.store(batch: [["n": 0]])

        var lock: WriteLockHolder? = try WriteLockHolder(path: path)
        let ended = Locked(false)
        let task = Task {
            defer { ended.withLock { $0 = true } }
            return try await storage.store(batch: [["n": 1], ["n": 2], ["n": 3]])
        }
        // Long enough for the store to be waiting for the lock (its timeout is a minute).
        try await Task.sleep(for: .milliseconds(300))
        #expect(!ended.withLock { $0 }, "the store did not wait for the lock")
        task.cancel()
        let outcome = await outcome(of: task, within: .seconds(10))
        withExtendedLifetime(lock) {}
        lock = nil
        let result = try #require(outcome, "the cancelled store was still waiting 10 s after its task was cancelled")
        #expect(throws: CancellationError.self) { try result.get() }

        #expect(try RawSQLite(path: path).count("records") == 1, "nothing of the cancelled batch is stored")
        let next = try await storage.store(batch: [["n": 4], ["n": 5]])
        #expect(next.count == 2)
        #expect(try await storage.storedCount() == 3)
        await storage.disconnect()
    }

    @Test func aStoreWhoseTaskIsCancelledAlreadyStoresNothing() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("data.db")
        let storage = SQLiteStorage(path: path)
        try await storage.connect()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await storage.store(records: [Record(["n": 1], sourceID: "s", sequence: 1)])
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(try await storage.storedCount() == 0)
        _ = try await storage.store(records: [Record(["n": 2], sourceID: "s", sequence: 2)])
        #expect(try await storage.storedCount() == 1)
    }

    /// Without a cancellation, a store still waits out the busy timeout, and
    /// fails as busy (retryable), not as cancelled.
    @Test func aStoreNotCancelledWaitsOutTheBusyTimeout() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("data.db")
        let storage = SQLiteStorage(path: path, options: SQLiteOptions(busyTimeoutMilliseconds: 50))
        try await storage.connect()
        let lock = try WriteLockHolder(path: path)
        let error = await #expect(throws: ErrorInfo.self) { try await storage.store(batch: [["n": 1]]) }
        #expect(error?.isRetryable == true)
        #expect(error?.sqliteCode == .busy)
        withExtendedLifetime(lock) {}
    }
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
