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
            let lua = try LuaState(LuaOptions(libraries: .full))
            let bare = try ScriptBindings(installingIn: lua, scriptPath: "/tmp/script.lua", connectors: [])
            // A type the program did not install reads as nil (a script can test for it) ...
            #expect(try lua.run("return type(source.generator), type(storage.memory)").map(\.stringValue) == ["nil", "nil"])
            // ... and calling it is explained by the types there are.
            #expect(bare.explain(BindingsTests.error("return source.generator {}", in: lua))
                .hasPrefix("script.lua:1: unknown source type 'source.generator'; source types are: "), "\(bare.explain(BindingsTests.error("return source.generator {}", in: lua)))")

            let coreState = try LuaState(LuaOptions(libraries: .full))
            let core = try ScriptBindings(installingIn: coreState, scriptPath: "/tmp/script.lua", connectors: CoreConnectors.all)
            let kinds = try coreState.run("return type(storage.memory), type(storage.jsonl), type(storage.null), type(storage.console), type(storage.sqlite)")
            #expect(kinds.map(\.stringValue) == ["function", "function", "function", "function", "nil"])
            // The C-free sources come with them; the HTTP family's do not.
            let sources = try coreState.run("return type(source.generator), type(source.file), type(source.follow), type(source.stdin), type(source.command), type(source.http)")
            #expect(sources.map(\.stringValue) == ["function", "function", "function", "function", "function", "nil"])
            let sqlite = core.explain(BindingsTests.error("return storage.sqlite { path = 'x.db' }", in: coreState))
            #expect(sqlite.hasPrefix("script.lua:1: unknown storage type 'storage.sqlite'; storage types are: jsonl, memory"), "\(sqlite)")
            let http = core.explain(BindingsTests.error("source.http { url = 'http://127.0.0.1/' }", in: coreState))
            #expect(http.hasPrefix("script.lua:1: unknown source type 'source.http'; source types are: generator, file, follow, stdin, command"), "\(http)")
            // A nil of the same name called elsewhere is not a missing type: left as Lua says it.
            let other = core.explain(BindingsTests.error("\n\nlocal t = {}; t.file()", in: coreState))
            #expect(other.hasPrefix("script.lua:3: attempt to call a nil value (field 'file')"), "\(other)")
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
