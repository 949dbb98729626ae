import Collectors
import CollectorValues
import Foundation

/// A backend that keeps records in memory: for tests, the REPL and embedding
/// code that wants to look at what a pipeline stored.
///
/// It is usable as soon as it is created (`connect()` is a no-op until
/// `disconnect()`; after that, calls fail as with any backend until
/// `connect()` again). Records survive a disconnect. Location ids are
/// decimal numbers counting up from 1, never reused. `store(records:)`
/// stores a record id once, as the SQL backends do.
public actor MemoryStorage: StorageBackend {
    public nonisolated let id: String
    private var records: [(locationID: String, record: DataValue)] = []
    /// Ids of the records stored by `store(records:)`.
    private var ids = Set<RecordID>()
    private var nextID: UInt64 = 1
    private var connected = true

    public init(id: String = "memory") {
        self.id = id
    }

    public func connect() async throws {
        connected = true
    }

    public func disconnect() async {
        connected = false
    }

    public func store(_ record: DataValue) async throws -> StorageLocation {
        try checkConnected("store")
        let locationID = String(nextID)
        nextID += 1
        records.append((locationID, record))
        return StorageLocation(backendID: id, locationID: locationID, path: "memory://\(id)/\(locationID)")
    }

    public func store(batch records: [DataValue]) async throws -> StoredBatch {
        try checkConnected("store")
        for record in records {
            self.records.append((String(nextID), record))
            nextID += 1
        }
        return StoredBatch(backendID: id, count: records.count)
    }

    /// Stores the records whose ids it has not stored yet.
    public func store(records: [Record]) async throws -> StoredBatch {
        try checkConnected("store")
        for record in records where ids.insert(record.id).inserted {
            self.records.append((String(nextID), record.value))
            nextID += 1
        }
        return StoredBatch(backendID: id, count: records.count)
    }

    public func query(_ criteria: QueryCriteria) async throws -> [DataValue] {
        try checkConnected("query")
        try StorageErrors.checkPaging(criteria, backend: id)
        try StorageErrors.checkFilters(criteria, backend: id)
        return CriteriaEvaluator.apply(criteria, to: records) { $0.record }
    }

    public func delete(locationID: String) async throws {
        try checkConnected("delete")
        guard let index = records.firstIndex(where: { $0.locationID == locationID }) else {
            throw StorageErrors.notFound(backend: id, operation: "delete", locationID: locationID)
        }
        records.remove(at: index)
    }

    /// Every stored record, in stored order (whether connected or not).
    public var allRecords: [DataValue] { records.map(\.record) }

    /// How many records are stored.
    public var count: Int { records.count }

    private func checkConnected(_ operation: String) throws(ErrorInfo) {
        guard connected else {
            throw StorageErrors.notConnected(backend: id, kind: "memory", operation: operation)
        }
    }
}

extension MemoryStorage: CountingBackend {
    public func storedCount() async throws -> Int { count }
}
