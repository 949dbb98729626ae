import Collectors
import CollectorValues

/// A backend of the program's own: prints each record as one line of JSON
/// and keeps nothing. Scripts create it as `storage.printer { ... }`.
actor PrinterStorage: StorageBackend {
    nonisolated let id: String
    let prefix: String
    private var printed = 0

    init(id: String, prefix: String) {
        self.id = id
        self.prefix = prefix
    }

    func connect() async throws {}
    func disconnect() async {}

    func store(_ record: DataValue) async throws -> StorageLocation {
        _ = try await store(batch: [record])
        return StorageLocation(backendID: id, locationID: String(printed), path: "printer://\(id)/\(printed)")
    }

    /// A batch is all or nothing: every line is encoded before any is printed.
    func store(batch records: [DataValue]) async throws -> StoredBatch {
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
