import CollectorValues
import Collectors

/// A spool in memory, with a capacity and injectable failures: for tests of
/// what a storage manager does when a backend is down.
///
/// Over `capacity` records, an append fails with a `.limit` error and keeps
/// nothing of its batch, as `SQLiteSpool` does when full.
public final class MockSpool: Spool {
    /// The most records it holds; `nil` for no limit.
    public let capacity: Int?
    /// Which `append` calls fail (before the capacity is checked).
    public let appendFailures: FailurePlan

    private struct State {
        var rows: [(mark: Int64, queue: String, record: Record)] = []
        var nextMark: Int64 = 0
        var appendCalls = 0
        var calls: [String] = []
    }

    private let state = Locked(State())

    /// - Parameter holding: records already spooled, per queue (what an earlier run left).
    public init(capacity: Int? = nil, appendFailures: FailurePlan = .none, holding: [String: [Record]] = [:]) {
        self.capacity = capacity
        self.appendFailures = appendFailures
        state.withLock { state in
            for (queue, records) in holding.sorted(by: { $0.key < $1.key }) {
                for record in records {
                    state.nextMark += 1
                    state.rows.append((state.nextMark, queue, record))
                }
            }
        }
    }

    /// Every call in order: `append`, `oldest`, `remove`, `depths`, `close`.
    public var calls: [String] { state.withLock { $0.calls } }

    /// The records a queue holds, oldest first.
    public func records(in queue: String) -> [Record] {
        state.withLock { $0.rows.filter { $0.queue == queue }.map(\.record) }
    }

    public func append(_ records: [Record], to queue: String) async throws {
        let call = state.withLock { state -> Int in
            state.calls.append("append")
            state.appendCalls += 1
            return state.appendCalls
        }
        if let error = appendFailures.error(forCall: call) { throw error }
        let full = state.withLock { state -> Bool in
            if let capacity, state.rows.count + records.count > capacity { return true }
            for record in records {
                state.nextMark += 1
                state.rows.append((state.nextMark, queue, record))
            }
            return false
        }
        if full, let capacity {
            throw ErrorInfo(
                .limit, layer: .storage, operation: "spool",
                message: "the mock spool is full (\(capacity) records): \(records.count) records for \(queue) were not kept")
        }
    }

    public func oldest(in queue: String, limit: Int) async throws -> SpooledBatch {
        state.withLock { state in
            state.calls.append("oldest")
            let rows = state.rows.filter { $0.queue == queue }.prefix(max(1, limit))
            return SpooledBatch(records: rows.map(\.record), mark: rows.last?.mark ?? 0)
        }
    }

    public func remove(through mark: Int64, from queue: String) async throws {
        state.withLock { state in
            state.calls.append("remove")
            state.rows.removeAll { $0.queue == queue && $0.mark <= mark }
        }
    }

    public func depths() async throws -> [String: Int] {
        state.withLock { state in
            state.calls.append("depths")
            var depths: [String: Int] = [:]
            for row in state.rows { depths[row.queue, default: 0] += 1 }
            return depths
        }
    }

    public func close() async {
        state.withLock { $0.calls.append("close") }
    }
}
