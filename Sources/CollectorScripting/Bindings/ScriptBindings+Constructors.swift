import Collectors
import LuaRuntime

/// Connectors in the script API: `source.NAME { ... }` and
/// `storage.NAME { ... }`. The engine's own sources and backends are added
/// here as an embedder's are: a Swift program that embeds the engine adds
/// its own with the same option checks, ids, error messages, docs and REPL
/// completion.
///
///     try bindings.add(.source("ticker", summary: "Counts up.", options: [
///         ConnectorOption("count", .integer(1...1_000), default: "10", "how many ticks"),
///     ]) { options in
///         TickerSource(id: options.id, count: try options.integer("count") ?? 10)
///     })
///
/// Add them after `init` and before the script runs.
extension ScriptBindings {
    /// Adds a connector: `source.NAME { ... }` or `storage.NAME { ... }`.
    ///
    /// Its options are checked against its schema before its build runs
    /// (an unknown one is refused with a "did you mean", a missing required
    /// one named, a mistyped or out-of-range one said); what the build
    /// throws becomes a Lua error at the script's line, prefixed with the
    /// connector's name. A backend is connected when a pipeline starts (or
    /// when the script first calls its `query` or `count`), and disconnected
    /// when it ends.
    public func add(_ connector: ConnectorDescription) throws {
        let table: ConstructorTable?
        switch connector.kind {
        case .source: table = sourceConstructors
        case .storage: table = storageConstructors
        }
        guard let table, let lua = table.state else { throw LuaError(.misuse, "the Lua state is closed") }
        try Self.checkIdentifier(connector)
        let function = try lua.function(connector.qualifiedName) { [unowned lua, weak self] call in
            // The state may outlive the bindings an embedder dropped: an error then, not a crash.
            guard let self else { throw LuaCallError("\(connector.qualifiedName): the engine's bindings are gone") }
            let reader = try OptionReader(connector, table: try call.optionalArgument(1, as: LuaTable.self), in: lua)
            let environment = self.environment.process.merging(self.environment.overrides) { $1 }
            let options = ScriptOptions(reader, environment: environment, collectsOnce: self.settings.once) {
                [unowned self] options in
                if let explicit = try? options.string("id") { return explicit }
                if let base = connector.idBase, let text = try? base(options) { return self.uniqueID(text) }
                return self.nextID(connector.name)
            }
            do {
                switch connector.build {
                case .source(let build):
                    let built = try build(options)
                    let collection = connector.collection ?? .stream
                    let object = ScriptSource(
                        built.value, mode: collection.mode,
                        summary: built.description ?? "\(connector.qualifiedName)(\(built.value.id))", polls: collection.polls)
                    try call.push(LuaObject(object))
                case .storage(let build):
                    let built = try build(options)
                    if (built.value as? any StandardOutputWriter)?.writesStandardOutput == true { self.standardOutputTaken = true }
                    let object = ScriptStorage(
                        built.value, summary: built.description ?? "\(connector.qualifiedName)(\(built.value.id))")
                    try call.push(LuaObject(object))
                }
            } catch let error as LuaCallError {
                throw error
            } catch let error as LuaError {
                throw error
            } catch let error as ErrorInfo {
                throw LuaCallError("\(connector.qualifiedName): \(error.message)")
            } catch {
                throw LuaCallError("\(connector.qualifiedName): \(error)")
            }
            return 1
        }
        try table.add(connector.name, function)
        connectors.append(connector)
    }

    /// Adds `source.NAME { ... }` whose options are named but not typed (each
    /// is read and checked by `make`). `add(_:)` with a schema documents them too.
    ///
    /// - Parameters:
    ///   - options: the options the script may give; `id` is always allowed.
    ///   - mode: how pipelines collect the source: `.stream` (its `stream()`),
    ///     `.interval(every)` (its `collect()` on that interval; once with
    ///     `--once`), or `.once`.
    public func addSource(
        named name: String, options: [String], mode: CollectionMode = .stream,
        _ make: @escaping (ScriptOptions) throws -> any DataSource
    ) throws {
        let collection: ConnectorDescription.Collection =
            switch mode {
            case .stream: .stream
            case .interval(let every, let count): .interval(every, count: count)
            case .once: .once
            }
        try add(.source(name, summary: "", collection: collection, options: Self.untyped(options), build: make))
    }

    /// Adds `storage.NAME { ... }`; the options are checked as for `addSource`.
    public func addStorage(
        named name: String, options: [String], _ make: @escaping (ScriptOptions) throws -> any StorageBackend
    ) throws {
        try add(.storage(name, summary: "", options: Self.untyped(options), build: make))
    }

    private static func untyped(_ names: [String]) -> [ConnectorOption] {
        names.map { ConnectorOption($0, $0 == "id" ? .string : .any, "") }
    }

    /// A Lua identifier, so that scripts can write `source.NAME { ... }`.
    private static func checkIdentifier(_ connector: ConnectorDescription) throws {
        let name = connector.name
        let letters = name.unicodeScalars.map { $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic) }
        let digits = name.unicodeScalars.map { ("0"..."9").contains($0) }
        guard letters.first == true, zip(letters, digits).allSatisfy({ $0 || $1 }) else {
            throw LuaError(.misuse, "\(connector.kind.rawValue) constructor name '\(name)' is not a Lua identifier")
        }
    }
}

extension ScriptBindings {
    /// `message` with Lua's "attempt to call a nil value (field 'NAME')"
    /// explained when the script called `source.NAME` or `storage.NAME`
    /// and there is no such type: what it likely meant and the types there
    /// are. Other messages are returned as they are.
    public func explain(_ message: String) -> String {
        let prefix = "attempt to call a nil value (field '"
        guard let start = message.range(of: prefix),
            let end = message[start.upperBound...].firstIndex(of: "'")
        else { return message }
        let name = String(message[start.upperBound..<end])
        for table in [sourceConstructors, storageConstructors] {
            if let explained = table?.explain(message, missing: name) { return explained }
        }
        return message
    }
}
