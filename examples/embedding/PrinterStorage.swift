import Collectors
import CollectorValues

/// A backend of the program's own: prints each record as one line of JSON
/// and keeps nothing. Scripts create it as `storage.printer { ... }`.
actor PrinterStorage: StorageBackend {
    nonisolated let id: String
    let prefix: String
    private var printed = 0
    private var connected = false

    init(id: String, prefix: String) {
        self.id = id
        self.prefix = prefix
    }

    func connect() async throws { connected = true }
    func disconnect() async { connected = false }

    func store(_ record: DataValue) async throws -> StorageLocation {
        _ = try await store(batch: [record])
        return StorageLocation(backendID: id, locationID: String(printed), path: "printer://\(id)/\(printed)")
    }

    /// A batch is all or nothing: every line is encoded before any is printed.
    func store(batch records: [DataValue]) async throws -> StoredBatch {
        // After disconnect() a store must fail, or its records would count as stored.
        guard connected else {
            throw ErrorInfo(.connection, layer: .storage, operation: "store", message: "\(id) is not connected")
        }
        let writer = JSONWriter(sortedKeys: true)
        var lines = ""
        for record in records { lines += prefix + (try writer.string(record)) + "\n" }
        print(lines, terminator: "")
        printed += records.count
        return StoredBatch(backendID: id, count: records.count)
    }

    func query(_ criteria: QueryCriteria) async throws -> [DataValue] { [] }

    func delete(locationID: String) async throws {
        throw ErrorInfo(.notFound, layer: .storage, operation: "delete", message: "\(id) keeps nothing")
    }
}
