import CollectorScripting
import Collectors
import CollectorValues
import Foundation
import LuaRuntime
import Testing

/// What generic code asks of a connector goes through capabilities
/// (protocols), so an embedder's connectors get the same treatment as the
/// engine's own. Nested in the bindings suite: `count()` waits synchronously.
extension BindingsTests {
    @Suite("backend capabilities")
    struct BackendCapabilityTests {
        /// `db:count()` asks a counting backend for its count and reads no records.
        @Test func countAsksACountingBackendWithoutReadingRecords() throws {
            let (lua, bindings) = try BindingsTests.state()
            try bindings.add(.storage("tally", summary: "A count and nothing else.", options: []) { TallyBackend(id: $0.id) })
            #expect(try lua.run("return storage.tally {}:count()").first?.integerValue == 42)
        }

        /// SQLite and the other built-ins count through the same capability, in both layouts.
        @Test(arguments: ["", #"columns = { { "n", "integer" } }"#])
        func sqliteCountsWhatAPipelineStored(layout: String) throws {
            let dir = try BindingsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let (lua, _) = try BindingsTests.state(base: dir.appendingPathComponent("main.lua").path)
            let values = try lua.run("""
                local db = storage.sqlite { path = "\(dir.path)/c.db", \(layout) }
                local mem = storage.memory {}
                local n = 0
                local function number(r) n = n + 1 return { n = n } end
                pipeline "p" { from = source.generator { count = 250 }, process = { number }, to = { db, mem } }
                run()
                return db:count(), mem:count()
                """)
            #expect(values.compactMap(\.integerValue) == [250, 250])
        }

        /// A source that reads a file and a backend that writes it, both an
        /// embedder's or the engine's, make a cycle the pipeline refuses.
        @Test func aPipelineThatWouldReadItsOwnOutputIsRefusedWhoeverWroteTheConnectors() throws {
            let (lua, bindings) = try BindingsTests.state()
            try bindings.add(
                .source("tailer", summary: "A file.", options: [ConnectorOption("path", .string, required: true, "the file")]) {
                    PathSource(id: $0.id, readPath: try $0.requiredString("path"))
                })
            let message = BindingsTests.error("""
                pipeline "loop" { from = source.tailer { path = "/tmp/x/../loop.jsonl" }, to = storage.jsonl { path = "/tmp/loop.jsonl" } }
                """, in: lua)
            #expect(message.contains("pipeline \"loop\": jsonl:/tmp/loop.jsonl writes /tmp/loop.jsonl, which the source tailer-1 reads"), "\(message)")
        }
    }
}

/// Counts without holding records: its `query` fails, so a count that read records would fail.
actor TallyBackend: CountingBackend {
    nonisolated let id: String
    init(id: String) { self.id = id }
    func connect() async throws {}
    func disconnect() async {}
    func store(_ record: DataValue) async throws -> StorageLocation { StorageLocation(backendID: id, locationID: "1", path: "") }
    func store(batch records: [DataValue]) async throws -> StoredBatch { StoredBatch(backendID: id, count: records.count) }
    func query(_ criteria: QueryCriteria) async throws -> [DataValue] { throw ErrorInfo(.storage, layer: .storage, operation: "query", message: "no rows here") }
    func delete(locationID: String) async throws {}
    func storedCount() async throws -> Int { 42 }
}

/// A source that says which file it reads and yields nothing.
struct PathSource: FileReadingSource {
    let id: String
    let readPath: String
    func connect() async throws {}
    func disconnect() async {}
    func collect() async throws -> CollectedData { throw ErrorInfo(.notFound, layer: .collection, operation: "collect", message: "empty") }
}
