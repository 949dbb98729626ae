import CollectorValues
import LuaRuntime

/// `start(processor [, { name =, config = }])` and `finish(processor)` for
/// test files: a module's `init(ctx)` and `shutdown(emit)` as a pipeline
/// runs them (worker 1 of 1), so that a test file (a recorded one:
/// `GoldenTestFile`) takes a module through its life.
enum ModuleHooksLibrary {
    static func functions(in lua: LuaState) throws -> (start: LuaFunction, finish: LuaFunction) {
        let start = try lua.function("start") { [unowned lua] call in
            let module = try table(call.value(1), "start", in: lua)
            var name = "test"
            var config: DataValue?
            if call.argumentCount >= 2, !call.value(2).isNil {
                let given = call.value(2)
                guard case .table = given, case .object(let options) = try lua.data(given, root: "start options") else {
                    throw LuaCallError("start: the options must be a table { name = ..., config = ... }, got \(given.typeName)")
                }
                for key in options.fieldNames where key != "name" && key != "config" {
                    throw LuaCallError("start: unknown option '\(key)' (name, config)")
                }
                if let value = options["name"] {
                    guard case .string(let text) = value else { throw LuaCallError("start: name must be a string, got \(value.typeName)") }
                    name = text
                }
                config = options["config"]
            }
            let hook = try lua.get(module, "init")
            if hook.isNil { return 0 }
            guard let function = hook.functionValue else { throw LuaCallError("start: the module's init is a \(hook.typeName), not a function") }
            try lua.call(function, DataValue.object(ProcessorModule.context(name: name, worker: 1, workers: 1, config: config)))
            return 0
        }
        let finish = try lua.function("finish") { [unowned lua] call in
            let module = try table(call.value(1), "finish", in: lua)
            let hook = try lua.get(module, "shutdown")
            guard !hook.isNil else {
                try call.push(data: .array([]))
                return 1
            }
            guard let function = hook.functionValue else { throw LuaCallError("finish: the module's shutdown is a \(hook.typeName), not a function") }
            let emit = try EmitFunction(in: lua)
            try lua.call(function, emit.function)
            try call.push(data: .array(emit.values))
            return 1
        }
        return (start, finish)
    }

    private static func table(_ value: LuaValue, _ what: String, in lua: LuaState) throws -> LuaTable {
        guard case .table(let module) = value else {
            throw LuaCallError("\(what): a processor module (a table) expected, got \(value.typeName)")
        }
        return module
    }
}
