import CollectorConnectors
import CollectorScripting
import Collectors
import CollectorValues
import Foundation
import LuaRuntime
import Testing

/// Connectors are described by a schema, and the schema alone drives what
/// scripts and users see of their options: the checks, the docs, the REPL.
@Suite("connector schemas")
struct ConnectorSchemaTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The option tables of docs/lua-api.md and the stubs of types/collector.lua
    /// are generated; this fails when they drift from the schemas.
    @Test(arguments: [("docs/lua-api.md", ConnectorDocs.Style.markdown), ("types/collector.lua", .lua)])
    func checkedInDocsMatchTheSchemas(file: String, style: ConnectorDocs.Style) throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent(file), encoding: .utf8)
        let generated = try ConnectorDocs.regenerate(text, connectors: BuiltinConnectors.all, style: style)
        #expect(generated == text, "run scripts/gen-api-reference.sh: \(file) differs from the connectors' schemas")
        for connector in BuiltinConnectors.all {
            #expect(text.contains(style == .markdown ? "`\(connector.qualifiedName){}`" : "function \(connector.qualifiedName)(options) end"))
        }
    }

    @Test func regeneratingWithoutMarkersIsAnError() {
        #expect(throws: ConnectorDocsError.self) {
            _ = try ConnectorDocs.regenerate("# no markers\n", connectors: BuiltinConnectors.all, style: .markdown)
        }
    }

    /// Every option of every built-in connector refuses a value of the wrong
    /// type, and says which connector and which option; a misspelt option
    /// gets a suggestion. Nothing is built (no file, no connection).
    @Test func everyOptionOfEveryConnectorIsChecked() throws {
        let (lua, _) = try BindingsTests.state()
        for connector in BuiltinConnectors.all {
            let required = connector.options.filter(\.isRequired).map { "\($0.name) = \(Self.goodValue($0.type))" }
            for option in connector.options where !Self.acceptsAnything(option.type) {
                let wrong = Self.wrongValue(option.type)
                let given = (required.filter { !$0.hasPrefix(option.name + " ") } + ["\(option.name) = \(wrong)"]).joined(separator: ", ")
                let message = BindingsTests.error("\(connector.qualifiedName) { \(given) }", in: lua)
                #expect(message.hasPrefix("script.lua:1: \(connector.qualifiedName): option '\(option.name)' must be"), "\(message)")
            }
            guard let long = connector.options.first(where: { $0.name.count >= 5 }) else { continue }
            let typo = String(long.name.dropLast())
            let message = BindingsTests.error("\(connector.qualifiedName) { \(typo) = 1 }", in: lua)
            #expect(
                message.hasPrefix("script.lua:1: \(connector.qualifiedName): unknown option '\(typo)' (did you mean '\(long.name)'?)"),
                "\(message)")
        }
    }

    @Test func requiredOptionsAndRangesComeFromTheSchema() throws {
        let (lua, _) = try BindingsTests.state()
        #expect(BindingsTests.error("storage.sqlite {}", in: lua) == "script.lua:1: storage.sqlite: option 'path' is required (the database file)")
        #expect(BindingsTests.error("source.command { cwd = '/' }", in: lua).hasPrefix("script.lua:1: source.command: option 'command' is required"))
        #expect(BindingsTests.error("source.http { url = 'http://127.0.0.1/', jitter = 2 }", in: lua)
            == "script.lua:1: source.http: option 'jitter' must be a number from 0.0 to 1.0, got 2.0")
        #expect(BindingsTests.error("source.sse { url = 'http://127.0.0.1/', reconnect_attempts = -1 }", in: lua)
            == "script.lua:1: source.sse: option 'reconnect_attempts' must be an integer at least 0, got -1")
        #expect(BindingsTests.error("source.command { command = {} }", in: lua)
            == #"script.lua:1: source.command: option 'command' must name a program: { "program", "argument", ... }, got an empty list"#)
        #expect(BindingsTests.error("source.command { command = { 'echo', 5 } }", in: lua)
            == "script.lua:1: source.command: option 'command' must be a list of strings, got an integer in it")
        #expect(BindingsTests.error("source.command { command = { program = 'echo' } }", in: lua)
            == "script.lua:1: source.command: option 'command' must be a list of strings, got a table with named keys")
        #expect(BindingsTests.error("storage.jsonl { path = 'x', sync = 'sometimes' }", in: lua)
            == #"script.lua:1: storage.jsonl: option 'sync' must be one of "batch", "record", "never", got "sometimes""#)
    }

    /// An embedder's connector gets the checks, `:doc` and completion the engine's own have.
    @Test func anEmbeddersSchemaDrivesChecksDocAndCompletion() throws {
        let (lua, bindings) = try BindingsTests.state()
        try bindings.add(
            .storage(
                "shelf", summary: "Records on a shelf.",
                options: [
                    ConnectorOption("capacity", .integer(1...10), default: "5", "how many records fit"),
                    ConnectorOption("label", .string, required: true, "what the shelf says"),
                ]
            ) { options in
                MemoryBackendStandIn(id: options.id)
            })
        #expect(BindingsTests.error("storage.shelf { label = 'a', capacity = 11 }", in: lua)
            == "script.lua:1: storage.shelf: option 'capacity' must be an integer from 1 to 10, got 11")
        #expect(BindingsTests.error("storage.shelf { capacity = 2 }", in: lua)
            == "script.lua:1: storage.shelf: option 'label' is required (what the shelf says)")
        #expect(try lua.run("return storage.shelf { label = 'a' }.id").first?.stringValue == "shelf-1")

        let session = ReplSession(lua: lua, connectors: bindings.connectors)
        let doc = try #require(session.connectorDocumentation("storage.shelf"))
        #expect(doc.hasPrefix("storage.shelf{}: Records on a shelf."))
        #expect(doc.contains("`capacity` (integer, 1 to 10, default `5`): how many records fit"))
        #expect(doc.contains("`label` (string, required): what the shelf says"))
        #expect(session.connectorDocumentation("source.http{}")?.contains("`every` (duration, default `\"60s\"`)") == true)
        #expect(session.connectorDocumentation("storage.nothing") == nil)

        #expect(session.completions(for: "ca", before: "local s = storage.shelf { ") == ["capacity"])
        #expect(session.completions(for: "", before: "storage.shelf { label = 'x', ") == ["id", "capacity"])
        #expect(session.completions(for: "ur", before: "x = source.http({ every = '1s', headers = { A = 'b' }, ") == ["url"])
        // Outside the options table, or inside a nested table, it is ordinary completion.
        #expect(session.completions(for: "ca", before: "storage.shelf { label = 'x' } ").contains("capacity") == false)
        #expect(session.completions(for: "ur", before: "source.http { headers = { ").contains("url") == false)
    }

    static func acceptsAnything(_ type: OptionType) -> Bool {
        if case .any = type { true } else { false }
    }

    /// A value the type accepts, for the options a connector requires.
    static func goodValue(_ type: OptionType) -> String {
        switch type {
        case .strings: return "{ 'true' }"
        default: return "'http://127.0.0.1/x'"
        }
    }

    /// A value the type refuses.
    static func wrongValue(_ type: OptionType) -> String {
        switch type {
        case .boolean: return "'yes'"
        case .string, .choice, .integer, .number, .duration, .size, .stringMap, .strings, .list, .table, .any: return "true"
        }
    }
}

/// A backend that stores nothing, for connectors whose build is not the point.
actor MemoryBackendStandIn: StorageBackend {
    nonisolated let id: String
    init(id: String) { self.id = id }
    func connect() async throws {}
    func disconnect() async {}
    func store(_ record: DataValue) async throws -> StorageLocation { StorageLocation(backendID: id, locationID: "1", path: "shelf") }
    func store(batch records: [DataValue]) async throws -> StoredBatch { StoredBatch(backendID: id, count: records.count) }
    func query(_ criteria: QueryCriteria) async throws -> [DataValue] { [] }
    func delete(locationID: String) async throws {}
}
