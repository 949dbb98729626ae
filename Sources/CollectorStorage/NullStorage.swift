import Collectors
import CollectorValues

/// A backend that keeps nothing: each record is encoded to JSON (so a record
/// that cannot be written anywhere still fails here) and counted, then
/// dropped. For benchmarks, dry runs, and pipelines whose processors do the
/// work (through events or their own side effects). Queries return nothing.
public actor NullStorage: StorageBackend {
    public nonisolated let id: String
    /// Records accepted so far.
    public private(set) var count = 0
    /// Bytes of JSON they encoded to (without line ends).
    public private(set) var encodedBytes = 0
    private var connected = true
    private var buffer: [UInt8] = []

    public init(id: String = "null") {
        self.id = id
    }

    public func connect() async throws { connected = true }
    public func disconnect() async { connected = false }

    public func store(_ record: DataValue) async throws -> StorageLocation {
        try accept([record])
        return StorageLocation(backendID: id, locationID: String(count), path: "null://\(id)/\(count)")
    }

    public func store(batch records: [DataValue]) async throws -> StoredBatch {
        try accept(records)
        return StoredBatch(backendID: id, count: records.count)
    }

    /// Records carried as JSON text are already encoded: they are counted as they are.
    public func store(records: [Record]) async throws -> StoredBatch {
        try checkConnected("store")
        var values: [DataValue] = []
        for record in records {
            if let text = record.jsonText {
                encodedBytes += text.count
                count += 1
            } else {
                values.append(record.value)
            }
        }
        if !values.isEmpty { try accept(values) }
        return StoredBatch(backendID: id, count: records.count)
    }

    public func query(_ criteria: QueryCriteria) async throws -> [DataValue] {
        try checkConnected("query")
        try StorageErrors.checkPaging(criteria, backend: id)
        return []
    }

    public func delete(locationID: String) async throws {
        try checkConnected("delete")
        throw StorageErrors.notFound(backend: id, operation: "delete", locationID: locationID)
    }

    private func accept(_ records: [DataValue]) throws {
        try checkConnected("store")
        let writer = JSONWriter()
        for record in records {
            buffer.removeAll(keepingCapacity: true)
            do {
                try writer.write(record, into: &buffer)
            } catch {
                throw StorageErrors.invalid(backend: id, operation: "store", "a record cannot be encoded as JSON: \(error)")
            }
            encodedBytes += buffer.count
        }
        count += records.count
    }

    private func checkConnected(_ operation: String) throws(ErrorInfo) {
        guard connected else {
            throw StorageErrors.notConnected(backend: id, kind: "null", operation: operation)
        }
    }
}

extension NullStorage: CountingBackend {
    public func storedCount() async throws -> Int { count }
}
