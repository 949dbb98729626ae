import CollectorValues
import Collectors
import Foundation

/// A storage backend in memory, with injectable failures and delays.
/// (Seed: `MockStorageBackend`.)
///
/// `store` and `store(batch:)` share one call counter for `storeFailures`; a
/// failing batch stores nothing (all-or-nothing, like a real transaction).
public final class MockStorageBackend: StorageBackend {
    public let id: String
    public let connectFailures: FailurePlan
    public let storeFailures: FailurePlan
    public let storeDelay: MockDelay
    /// How long `connect()` takes (a server slow to answer, or one that never does: a gate kept shut).
    public let connectDelay: MockDelay

    private struct State {
        var calls: [String] = []
        var connected = false
        var rows: [(locationID: String, value: DataValue)] = []
        var nextLocation = 0
        var storeCalls = 0
        var connectCalls = 0
        var batchSizes: [Int] = []
    }

    private let state = Locked(State())

    public init(
        id: String = "mock_storage", connectFailures: FailurePlan = .none, storeFailures: FailurePlan = .none,
        storeDelay: MockDelay = .none, connectDelay: MockDelay = .none
    ) {
        self.id = id
        self.connectFailures = connectFailures
        self.storeFailures = storeFailures
        self.storeDelay = storeDelay
        self.connectDelay = connectDelay
    }

    /// Every call in order: `connect`, `store`, `store_batch`, `query`, `delete`, `disconnect`.
    public var calls: [String] { state.withLock { $0.calls } }
    public var isConnected: Bool { state.withLock { $0.connected } }
    /// The stored values in insertion order.
    public var records: [DataValue] { state.withLock { $0.rows.map(\.value) } }
    public var storeCallCount: Int { state.withLock { $0.storeCalls } }
    public var connectCallCount: Int { state.withLock { $0.connectCalls } }
    /// The size of each successful `store(batch:)`.
    public var batchSizes: [Int] { state.withLock { $0.batchSizes } }

    public func connect() async throws {
        let call = state.withLock { s -> Int in
            s.calls.append("connect")
            s.connectCalls += 1
            return s.connectCalls
        }
        try await connectDelay.wait()
        if let error = connectFailures.error(forCall: call) { throw error }
        state.withLock { $0.connected = true }
    }

    public func disconnect() async {
        state.withLock { s in
            s.calls.append("disconnect")
            s.connected = false
        }
    }

    public func store(_ record: DataValue) async throws -> StorageLocation {
        try await beginStore("store")
        return state.withLock { s in
            let location = append(&s, record)
            return StorageLocation(backendID: id, locationID: location, path: "mock://\(id)/\(location)")
        }
    }

    public func store(batch records: [DataValue]) async throws -> StoredBatch {
        try await beginStore("store_batch")
        state.withLock { s in
            for record in records { _ = append(&s, record) }
            s.batchSizes.append(records.count)
        }
        return StoredBatch(backendID: id, count: records.count)
    }

    public func query(_ criteria: QueryCriteria) async throws -> [DataValue] {
        let (rows, connected) = state.withLock { s in
            s.calls.append("query")
            return (s.rows.map(\.value), s.connected)
        }
        guard connected else { throw notConnected("query") }
        var result = rows.filter { row in criteria.filters.allSatisfy { row[$0.key] == $0.value } }
        if let key = criteria.sortBy {
            result.sort { a, b in
                let less = Self.less(a[key], b[key])
                return criteria.sortDirection == .ascending ? less : Self.less(b[key], a[key])
            }
        }
        result = Array(result.dropFirst(max(0, criteria.offset)))
        if let limit = criteria.limit { result = Array(result.prefix(max(0, limit))) }
        return result
    }

    public func delete(locationID: String) async throws {
        let (found, connected) = state.withLock { s -> (Bool, Bool) in
            s.calls.append("delete")
            guard s.connected else { return (false, false) }
            guard let i = s.rows.firstIndex(where: { $0.locationID == locationID }) else { return (false, true) }
            s.rows.remove(at: i)
            return (true, true)
        }
        guard connected else { throw notConnected("delete") }
        guard found else {
            throw ErrorInfo(
                .notFound, layer: .storage, operation: "delete", message: "no record with location id '\(locationID)'",
                details: ["backend_id": .string(id), "location_id": .string(locationID)])
        }
    }

    private func beginStore(_ name: String) async throws {
        let (call, connected) = state.withLock { s -> (Int, Bool) in
            s.calls.append(name)
            s.storeCalls += 1
            return (s.storeCalls, s.connected)
        }
        guard connected else { throw notConnected(name) }
        try await storeDelay.wait()
        if let error = storeFailures.error(forCall: call) { throw error }
    }

    private func append(_ s: inout State, _ value: DataValue) -> String {
        s.nextLocation += 1
        let location = "\(s.nextLocation)"
        s.rows.append((location, value))
        return location
    }

    /// Orders numbers numerically and strings lexically; missing values and other kinds first.
    private static func less(_ a: DataValue?, _ b: DataValue?) -> Bool {
        switch (a, b) {
        case (let x?, let y?):
            if let x = x.numberValue, let y = y.numberValue { return x < y }
            if let x = x.stringValue, let y = y.stringValue { return x < y }
            return false
        case (nil, .some): return true
        default: return false
        }
    }

    private func notConnected(_ operation: String) -> ErrorInfo {
        ErrorInfo(
            .connection, layer: .storage, operation: operation, message: "backend '\(id)' is not connected",
            details: ["backend_id": .string(id)])
    }
}
