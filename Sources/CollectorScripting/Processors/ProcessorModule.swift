import CollectorValues
import LuaRuntime

/// What a processor script gives a state: its `process` function and the
/// optional hooks, found once when the script is loaded.
///
/// The script is either a module table with `process(record, emit)` and the
/// optional `init(ctx)`, `shutdown(emit)`, `every` with `on_timer(emit, now)`,
/// `export_state()`, `migrate(old_state, ctx)`, `parallel` and `tests`; a
/// plain function `function(record, emit)`; or a chunk that defines a global
/// `process`.
/// The live states, the inline test runner and `collector test` all load
/// scripts through here, so they agree on what a processor is.
struct ProcessorModule {
    var process: LuaFunction
    var initHook: LuaFunction?
    var shutdownHook: LuaFunction?
    var exportState: LuaFunction?
    var migrate: LuaFunction?
    /// `on_timer(emit, now)`, called every `every`.
    var timer: Timer?
    /// False when the module runs in one state: it says `parallel = false`,
    /// or it has a timer and does not say `parallel = true` (a timer usually
    /// reports what the module gathered across records, which one state
    /// holds whole).
    var parallel = true
    /// The module's inline tests (`tests = { ... }`), when it has some.
    var tests: LuaValue = .nil

    /// Whether `process` takes a third argument, `meta` (it names three
    /// parameters, or `...`): only then does it get one, and does the
    /// pipeline keep the records' origins for it.
    static func readsMeta(_ process: LuaFunction, in lua: LuaState) -> Bool {
        guard let parameters = try? lua.parameters(of: process) else { return true }
        return parameters.count >= 3 || parameters.variadic
    }

    /// Compiles and runs `source` in `lua` and reads what it returns. A
    /// syntax error, an error while the chunk runs, or a script that gives
    /// no `process` function throws.
    static func load(source: String, chunkName: String, in lua: LuaState) throws -> ProcessorModule {
        let chunk = try lua.load(source, name: chunkName)
        let returned = try lua.call(chunk)
        switch returned.first {
        case .function(let f)?:
            return ProcessorModule(process: f)
        case .table(let module)?:
            guard let process = try lua.get(module, "process").functionValue else {
                throw LuaError(.runtime, "\(displayName(chunkName)): the module has no process(record, emit) function")
            }
            var loaded = ProcessorModule(process: process)
            loaded.initHook = try hook(module, "init", in: lua, chunkName)
            loaded.shutdownHook = try hook(module, "shutdown", in: lua, chunkName)
            loaded.exportState = try hook(module, "export_state", in: lua, chunkName)
            loaded.migrate = try hook(module, "migrate", in: lua, chunkName)
            loaded.timer = try Timer.read(module, in: lua, named: displayName(chunkName))
            switch try lua.get(module, "parallel") {
            case .nil: loaded.parallel = loaded.timer == nil
            case .boolean(let allowed): loaded.parallel = allowed
            case let other:
                throw LuaError(.runtime, "\(displayName(chunkName)): the module's 'parallel' must be a boolean, got \(other.typeName)")
            }
            loaded.tests = try lua.get(module, "tests")
            return loaded
        default:
            guard let process = try lua.global("process").functionValue else {
                throw LuaError(
                    .runtime, "\(displayName(chunkName)): the script returns neither a function nor a module with process(record, emit)")
            }
            return ProcessorModule(process: process)
        }
    }

    /// An optional hook: absent is fine, anything but a function is a mistake worth saying.
    private static func hook(_ module: LuaTable, _ name: String, in lua: LuaState, _ chunkName: String) throws -> LuaFunction? {
        try hook(module, name, in: lua, named: displayName(chunkName))
    }

    /// An optional hook; `label` starts the message of a mistake.
    static func hook(_ module: LuaTable, _ name: String, in lua: LuaState, named label: String) throws -> LuaFunction? {
        let value = try lua.get(module, name)
        if value.isNil { return nil }
        guard let function = value.functionValue else {
            throw LuaError(.runtime, "\(label): the module's '\(name)' must be a function, got \(value.typeName)")
        }
        return function
    }

    /// A chunk name as people read it: `@path/p.lua` is `path/p.lua`, `=label` is `label`.
    static func displayName(_ chunkName: String) -> String {
        guard let first = chunkName.first, first == "@" || first == "=" else { return chunkName }
        return String(chunkName.dropFirst())
    }

    /// The `ctx` that `init` (and `migrate`) receive.
    static func context(name: String, worker: Int, workers: Int, config: DataValue?) -> DataObject {
        var context: DataObject = ["name": .string(name), "worker": .integer(Int64(worker)), "workers": .integer(Int64(workers))]
        if let config { context["config"] = config }
        return context
    }
}
