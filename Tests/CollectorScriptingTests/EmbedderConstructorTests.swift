import CollectorConnectors
import CollectorScripting
import Collectors
import CollectorValues
import Foundation
import LuaRuntime
import Synchronization
import Testing

/// `ScriptBindings.addSource` and `addStorage`: an embedder's own sources and
/// backends in the script API, checked and named like the engine's own.
/// Nested in the bindings suite to be serialized with it: both wait for
/// engine work synchronously, and two such tests at once can hold every
/// thread of the concurrency pool on a small machine.
extension BindingsTests {
    @Suite("constructors an embedder adds")
    struct EmbedderConstructorTests {
        /// A state with `source.numbers { count = }` and `storage.collect {}` added.
        static func state(once: Bool = false, mode: CollectionMode = .stream) throws -> (LuaState, ScriptBindings, Shelf) {
            let lua = try LuaState(LuaOptions(libraries: .full))
            let bindings = try ScriptBindings(installingIn: lua, scriptPath: "/tmp/script.lua", settings: .init(once: once),
                connectors: BuiltinConnectors.all, spool: BuiltinConnectors.sqliteSpool)
            let shelf = Shelf()
            try bindings.addSource(named: "numbers", options: ["count"], mode: mode) { options in
                let count = try options.integer("count") ?? 3
                guard count >= 0 else { throw options.problem("option 'count' must not be negative") }
                if count == 13 { throw Unlucky() }
                return NumberSource(id: options.id, count: count)
            }
            try bindings.addStorage(named: "collect", options: ["label"]) { options in
                ShelfStorage(id: options.id, shelf: shelf)
            }
            return (lua, bindings, shelf)
        }

        @Test func anAddedSourceAndBackendRunInAPipeline() throws {
            let (lua, bindings, shelf) = try Self.state()
            let values = try lua.run("""
                local src = source.numbers { count = 4 }
                local out = storage.collect { label = "x" }
                pipeline "numbers" { from = src, process = { function(r) r.n = r.n * 10 return r end }, to = out }
                local report = run().numbers
                return tostring(src), src.id, tostring(out), out.id, report.input, report.output, report.stored["collect-1"]
                """)
            #expect(values.map { $0.stringValue ?? $0.integerValue.map(String.init) ?? "?" }
                == ["source.numbers(numbers-1)", "numbers-1", "storage.collect(collect-1)", "collect-1", "4", "4", "4"])
            #expect(shelf.values == [["n": 10], ["n": 20], ["n": 30], ["n": 40]])
            #expect(bindings.outcomes.first?.summary == "pipeline numbers: 4 in, 4 out, 0 dropped, 0 failed, 0 dead letters; stored collect-1=4")
        }

        @Test func optionsAreCheckedAndErrorsCarryTheScriptLine() throws {
            let (lua, _, _) = try Self.state()
            #expect(BindingsTests.error("\nsource.numbers { cuont = 1 }", in: lua)
                == "script.lua:2: source.numbers: unknown option 'cuont' (did you mean 'count'?); options are: count, id")
            #expect(BindingsTests.error("source.numbers { count = 'two' }", in: lua)
                == "script.lua:1: source.numbers: option 'count' must be an integer, got string")
            #expect(BindingsTests.error("source.numbers { count = -1 }", in: lua)
                == "script.lua:1: source.numbers: option 'count' must not be negative")
            #expect(BindingsTests.error("source.numbers { count = 13 }", in: lua)
                == "script.lua:1: source.numbers: thirteen is unlucky")
            #expect(BindingsTests.error("storage.collect { lable = 1 }", in: lua).hasPrefix(
                "script.lua:1: storage.collect: unknown option 'lable' (did you mean 'label'?)"))
            // Ids given by the script are used; the others count up per constructor.
            let (fresh, _, _) = try Self.state()
            let ids = try fresh.run("return source.numbers { id = 'mine' }.id, source.numbers {}.id, storage.collect {}.id")
            #expect(ids.compactMap(\.stringValue) == ["mine", "numbers-1", "collect-1"])
        }

        @Test func unknownTypesListTheAddedOnes() throws {
            let (lua, bindings, _) = try Self.state()
            let source = bindings.explain(BindingsTests.error("source.numbres {}", in: lua))
            #expect(source.hasPrefix("script.lua:1: unknown source type 'source.numbres' (did you mean 'source.numbers'?)"), "\(source)")
            // The built-in types in their order, then the embedder's.
            let builtin = { (kind: ConnectorDescription.Kind) in
                BuiltinConnectors.all.filter { $0.kind == kind }.map(\.name).joined(separator: ", ")
            }
            #expect(source.hasSuffix("source types are: \(builtin(.source)), numbers"), "\(source)")
            let storage = bindings.explain(BindingsTests.error("storage.postgress {}", in: lua))
            #expect(storage.hasPrefix("script.lua:1: unknown storage type 'storage.postgress' (did you mean 'storage.postgres'?)"), "\(storage)")
            #expect(storage.hasSuffix("storage types are: \(builtin(.storage)), collect"), "\(storage)")
            #expect(builtin(.source).hasPrefix("generator, file, follow, stdin, command, http, sse, websocket"))
            #expect(builtin(.storage).hasPrefix("sqlite, jsonl, memory, postgres, null, console, http"))
        }

        @Test func namesMustBeNewIdentifiers() throws {
            let (_, bindings, _) = try Self.state()
            #expect(throws: LuaError.self) { try bindings.addSource(named: "file", options: []) { NumberSource(id: $0.id, count: 1) } }
            #expect(throws: LuaError.self) { try bindings.addSource(named: "my-source", options: []) { NumberSource(id: $0.id, count: 1) } }
            #expect(throws: LuaError.self) { try bindings.addStorage(named: "1st", options: []) { ShelfStorage(id: $0.id, shelf: Shelf()) } }
        }

        @Test func anIntervalSourceCollectsOnceWithOnce() throws {
            let (lua, _, shelf) = try Self.state(once: true, mode: .interval(.seconds(3600)))
            let values = try lua.run("""
                pipeline "poll" { from = source.numbers { count = 5 }, to = storage.collect {} }
                return run().poll.input
                """)
            #expect(values.first?.integerValue == 1)
            #expect(shelf.values == [["n": 1]])
        }
    }
}

/// Counts up from 1: `{"n": 1}`, `{"n": 2}`, ... streamed, or one per `collect()`.
private struct NumberSource: DataSource {
    let id: String
    let count: Int
    private let next = Counter()

    init(id: String, count: Int) {
        self.id = id
        self.count = count
    }

    func connect() async throws {}
    func disconnect() async {}

    func collect() async throws -> CollectedData { item(next.increment()) }

    func stream() -> AsyncThrowingStream<CollectedData, any Error> {
        let items = (0..<count).map { _ in item(next.increment()) }
        return AsyncThrowingStream { continuation in
            for item in items { continuation.yield(item) }
            continuation.finish()
        }
    }

    private func item(_ n: Int) -> CollectedData {
        CollectedData(sourceID: id, format: .json, method: .mock, payload: Array("{\"n\":\(n)}".utf8))
    }
}

private final class Counter: Sendable {
    private let value = Mutex(0)
    func increment() -> Int { value.withLock { $0 += 1; return $0 } }
}

/// What a `ShelfStorage` stored, for the test to read.
final class Shelf: Sendable {
    private let stored = Mutex([DataValue]())
    var values: [DataValue] { stored.withLock { $0 } }
    func add(_ records: [DataValue]) { stored.withLock { $0 += records } }
}

private struct ShelfStorage: StorageBackend {
    let id: String
    let shelf: Shelf

    func connect() async throws {}
    func disconnect() async {}

    func store(_ record: DataValue) async throws -> StorageLocation {
        shelf.add([record])
        return StorageLocation(backendID: id, locationID: String(shelf.values.count), path: "shelf://\(id)")
    }

    func store(batch records: [DataValue]) async throws -> StoredBatch {
        shelf.add(records)
        return StoredBatch(backendID: id, count: records.count)
    }

    func query(_ criteria: QueryCriteria) async throws -> [DataValue] { shelf.values }
    func delete(locationID: String) async throws {}
}

private struct Unlucky: Error, CustomStringConvertible {
    var description: String { "thirteen is unlucky" }
}
