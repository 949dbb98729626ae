import CollectorValues
import Collectors

/// The backend the kit's pipeline runs store into when the subject is a
/// source: it keeps every record, so a check can see what arrived.
actor CaptureBackend: StorageBackend {
    nonisolated let id = "conformance-capture"
    private(set) var values: [DataValue] = []

    func connect() async throws {}
    func disconnect() async {}

    func store(_ record: DataValue) async throws -> StorageLocation {
        values.append(record)
        return StorageLocation(backendID: id, locationID: String(values.count), path: "capture://\(values.count)")
    }

    func store(batch records: [DataValue]) async throws -> StoredBatch {
        values.append(contentsOf: records)
        return StoredBatch(backendID: id, count: records.count)
    }

    func query(_ criteria: QueryCriteria) async throws -> [DataValue] { values }

    func delete(locationID: String) async throws {
        throw ErrorInfo(.notFound, layer: .storage, operation: "delete", message: "the capture backend deletes nothing")
    }

    var count: Int { values.count }
}
