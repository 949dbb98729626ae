import Collectors
import LuaRuntime

/// Constructors an embedder adds to the script API: a Swift program that
/// embeds the engine exposes its own sources and backends to Lua as
/// `source.NAME { ... }` and `storage.NAME { ... }`, with the same option
/// checks, ids and error messages as the engine's own.
///
///     try bindings.addSource(named: "ticker", options: ["count"]) { options in
///         TickerSource(id: options.id, count: try options.integer("count") ?? 10)
///     }
///
/// Add them after `init` and before the script runs.
extension ScriptBindings {
    /// Adds `source.NAME { ... }`.
    ///
    /// - Parameters:
    ///   - name: the constructor's name in the `source` table (a Lua identifier, not taken yet).
    ///   - options: the options the script may give; `id` is always allowed. Any
    ///     other option is refused with a "did you mean" before `make` runs.
    ///   - mode: how pipelines collect the source: `.stream` (its `stream()`,
    ///     the engine's own sources do this), `.interval(every)` (its
    ///     `collect()` on that interval; once with `--once`), or `.once`.
    ///   - make: builds the source from the checked options; what it throws
    ///     becomes a Lua error at the script's line, prefixed `source.NAME:`.
    public func addSource(
        named name: String, options: [String], mode: CollectionMode = .stream,
        _ make: @escaping (ScriptOptions) throws -> any DataSource
    ) throws {
        guard let table = sourceConstructors, let lua = table.state else { throw LuaError(.misuse, "the Lua state is closed") }
        let function = try constructor(kind: "source", name: name, options: options, in: lua) { options in
            let source = try make(options)
            let object = ScriptSource(source, mode: mode, summary: "source.\(name)(\(source.id))")
            if case .interval = mode { object.isPolling = true }
            return LuaObject(object)
        }
        try table.add(name, function)
    }

    /// Adds `storage.NAME { ... }`; the options are checked as for `addSource`.
    /// The backend is connected when a pipeline starts (or when the script
    /// first calls its `query` or `count`), and disconnected when it ends.
    public func addStorage(
        named name: String, options: [String], _ make: @escaping (ScriptOptions) throws -> any StorageBackend
    ) throws {
        guard let table = storageConstructors, let lua = table.state else { throw LuaError(.misuse, "the Lua state is closed") }
        let function = try constructor(kind: "storage", name: name, options: options, in: lua) { options in
            let backend = try make(options)
            return LuaObject(ScriptStorage(backend, summary: "storage.\(name)(\(backend.id))"))
        }
        try table.add(name, function)
    }

    private func constructor<Object: AnyObject>(
        kind: String, name: String, options: [String], in lua: LuaState,
        _ build: @escaping (ScriptOptions) throws -> LuaObject<Object>
    ) throws -> LuaFunction {
        // A Lua identifier, so that scripts can write `source.NAME { ... }`.
        let letters = name.unicodeScalars.map { $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic) }
        let digits = name.unicodeScalars.map { ("0"..."9").contains($0) }
        guard letters.first == true, zip(letters, digits).allSatisfy({ $0 || $1 }) else {
            throw LuaError(.misuse, "\(kind) constructor name '\(name)' is not a Lua identifier")
        }
        let function = "\(kind).\(name)"
        let allowed = options.contains("id") ? options : ["id"] + options
        return try lua.function(function) { [unowned lua] call in
            let reader = try OptionReader(function, table: try call.optionalArgument(1, as: LuaTable.self), allowed: allowed, in: lua)
            let id = try reader.string("id") ?? self.nextID(name)
            let object: LuaObject<Object>
            do {
                object = try build(ScriptOptions(reader, id: id))
            } catch let error as LuaCallError {
                throw error
            } catch let error as LuaError {
                throw error
            } catch let error as ErrorInfo {
                throw LuaCallError("\(function): \(error.message)")
            } catch {
                throw LuaCallError("\(function): \(error)")
            }
            try call.push(object)
            return 1
        }
    }
}
