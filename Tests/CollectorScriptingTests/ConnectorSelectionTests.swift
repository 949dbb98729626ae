import CollectorCoreConnectors
import CollectorScripting
import Collectors
import Foundation
import LuaRuntime
import Testing

/// The bindings install the connectors the program gives them and no
/// others, and make spools only with a spool connector. Nested in the
/// bindings suite to be serialized with it (a test runs a pipeline).
extension BindingsTests {
    @Suite("connectors a program picks")
    struct ConnectorSelectionTests {
        /// Bindings with `connectors` and `source.letters { count = }` of the test's own.
        static func state(_ connectors: [ConnectorDescription], scriptPath: String = "/tmp/script.lua") throws -> LuaState {
            let lua = try LuaState(LuaOptions(libraries: .full))
            let bindings = try ScriptBindings(installingIn: lua, scriptPath: scriptPath, connectors: connectors)
            try bindings.add(
                .source("letters", summary: "a, b, c, ...", options: [ConnectorOption("count", .integer(0...26), "how many")]) {
                    LettersSource(id: $0.id, count: try $0.integer("count") ?? 3)
                })
            return lua
        }

        @Test func noConnectorIsInstalledUnlessGiven() throws {
            let bare = try Self.state([])
            #expect(BindingsTests.error("return source.generator", in: bare)
                .hasPrefix("script.lua:1: unknown source type 'source.generator'; source types are: letters"))
            #expect(BindingsTests.error("return storage.memory", in: bare).hasPrefix("script.lua:1: unknown storage type 'storage.memory'"))

            let core = try Self.state(CoreConnectors.all)
            let kinds = try core.run("return type(storage.memory), type(storage.jsonl), type(storage.null), type(storage.console)")
            #expect(kinds.map(\.stringValue) == ["function", "function", "function", "function"])
            let sqlite = BindingsTests.error("return storage.sqlite", in: core)
            #expect(sqlite.hasPrefix("script.lua:1: unknown storage type 'storage.sqlite'"), "\(sqlite)")
            #expect(BindingsTests.error("return source.file", in: core).hasPrefix("script.lua:1: unknown source type 'source.file'"))
        }

        @Test func withoutASpoolConnectorTheSpoolOptionIsAnErrorAndNoFileIsMade() throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("no-spool-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let spoolFile = directory.appendingPathComponent("kept.db").path
            let lua = try Self.state(CoreConnectors.all, scriptPath: directory.appendingPathComponent("script.lua").path)

            for spool in ["'\(spoolFile)'", "true", "{ path = '\(spoolFile)' }"] {
                let message = BindingsTests.error(
                    "pipeline 'p' { from = source.letters {}, to = storage.memory {}, spool = \(spool) }", in: lua)
                #expect(message.contains("pipeline \"p\": option 'spool'"), "\(message)")
                #expect(message.contains("no spool"), "\(message)")
            }
            let values = try lua.run("""
                local kept = storage.memory {}
                pipeline "q" { from = source.letters { count = 3 }, to = kept, spool = false }
                pipeline "r" { from = source.letters { count = 2 }, to = kept }
                local reports = run()
                return reports.q.stored[kept.id], reports.r.stored[kept.id], kept:count()
                """)
            #expect(values.map(\.integerValue) == [3, 2, 5])
            #expect(!FileManager.default.fileExists(atPath: spoolFile))
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
        }
    }
}

/// `count` records `{"letter": "a"}`, `{"letter": "b"}`, ...
private struct LettersSource: DataSource {
    let id: String
    let count: Int

    func connect() async throws {}
    func disconnect() async {}

    func collect() async throws -> CollectedData { item(0) }

    func stream() -> AsyncThrowingStream<CollectedData, any Error> {
        let items = (0..<count).map(item)
        return AsyncThrowingStream { continuation in
            for item in items { continuation.yield(item) }
            continuation.finish()
        }
    }

    private func item(_ n: Int) -> CollectedData {
        let letter = String(UnicodeScalar(UInt8(97 + n)))
        return CollectedData(sourceID: id, format: .json, method: .mock, payload: Array("{\"letter\":\"\(letter)\"}".utf8))
    }
}
