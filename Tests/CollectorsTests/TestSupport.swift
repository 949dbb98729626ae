import CollectorMocks
import CollectorValues
import Collectors
import Foundation

/// A record for tests.
func record(_ value: DataValue, source: String = "s", sequence: UInt64 = 1) -> Record {
    Record(value, sourceID: source, sequence: sequence)
}

/// Records `0..<n` as integers.
func records(_ n: Int, source: String = "s") -> [Record] {
    (0..<n).map { Record(.integer(Int64($0)), sourceID: source, sequence: UInt64($0 + 1)) }
}

/// An error that a retry may fix.
let transient = ErrorInfo.mockFailure(.connection, message: "transient", retryable: true)
/// An error that no retry fixes.
let permanent = ErrorInfo.mockFailure(.validation, message: "permanent", retryable: false)

/// Collects values from concurrent tasks.
final class Collector<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Value] = []

    func append(_ value: Value) {
        lock.lock()
        storage.append(value)
        lock.unlock()
    }

    var values: [Value] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }
}

/// Refuses, with a validation error, every batch that holds one of `refuse`
/// (as SQLite refuses a batch with a NULL in a NOT NULL column).
struct RefusingBackend: StorageBackend {
    let base: MockStorageBackend
    let refuse: Set<Int64>
    var id: String { base.id }

    func connect() async throws { try await base.connect() }
    func disconnect() async { await base.disconnect() }
    func store(_ record: DataValue) async throws -> StorageLocation {
        try check([record])
        return try await base.store(record)
    }
    func store(batch records: [DataValue]) async throws -> StoredBatch {
        try check(records)
        return try await base.store(batch: records)
    }
    func query(_ criteria: QueryCriteria) async throws -> [DataValue] { try await base.query(criteria) }
    func delete(locationID: String) async throws { try await base.delete(locationID: locationID) }

    private func check(_ records: [DataValue]) throws {
        if records.contains(where: { $0.intValue.map(refuse.contains) ?? false }) {
            throw ErrorInfo(.validation, layer: .storage, operation: "store", message: "value refused")
        }
    }
}
