import CollectorValues
import Collectors
import LuaRuntime

/// A pipeline's `to` and `route` options: its backends, their names when
/// `to` names them (`to = { main = db, alerts = alerts_db }`), and how
/// records choose among them.
struct PipelineOutputs {
    /// In output order (by name, when named).
    var backends: [ScriptStorage]
    /// One per backend when `to` names them; empty for a list.
    var names: [String]

    static let routeOptions = ["field", "outputs", "default"]

    /// Reads `to`: a backend, a list of them, or a table of them by name.
    init(to value: LuaValue?, what: String, in lua: LuaState) throws {
        backends = []
        names = []
        guard let value else { return }
        if let object = try lua.object(value, as: ScriptStorage.self) {
            backends = [object]
            return
        }
        guard case .table(let table) = value else {
            throw LuaCallError("\(what): option 'to' must be a storage backend, a list of them or a table of them by name, got \(value.typeName)")
        }
        var listed: [(Int64, ScriptStorage)] = []
        var named: [(String, ScriptStorage)] = []
        for (key, item) in try lua.entries(of: table) {
            guard let backend = try lua.object(item, as: ScriptStorage.self) else {
                throw LuaCallError("\(what): option 'to' must hold storage backends, got a \(item.typeName) at \(try lua.describe(key))")
            }
            switch key {
            case .integer(let index): listed.append((index, backend))
            case .string(let name) where !name.isEmpty: named.append((name, backend))
            default:
                throw LuaCallError("\(what): option 'to' has a key \(try lua.describe(key)); output names are non-empty strings")
            }
        }
        if !listed.isEmpty, !named.isEmpty {
            throw LuaCallError(
                "\(what): option 'to' mixes a list with named outputs (\(named.map(\.0).sorted().joined(separator: ", "))): name every backend, or none")
        }
        if named.isEmpty {
            backends = listed.sorted { $0.0 < $1.0 }.map(\.1)
            return
        }
        named.sort { $0.0 < $1.0 }
        var seen: [ObjectIdentifier: String] = [:]
        for (name, backend) in named {
            if let other = seen.updateValue(name, forKey: ObjectIdentifier(backend)) {
                throw LuaCallError(
                    "\(what): option 'to' names the same backend \(backend.backend.id) twice ('\(other)' and '\(name)'); a route may name several outputs instead")
            }
        }
        backends = named.map(\.1)
        names = named.map(\.0)
    }

    /// The routing of the pipeline: `nil` only when there is nothing to route
    /// (never for a script's pipeline, so that an `emit` naming an output is
    /// checked even when `to` names none).
    /// - Throws: when `route` is malformed, or names an output that does not exist.
    func routing(
        _ value: LuaValue?, pipeline: String, what: String, loop: ScriptLoop, in lua: LuaState
    ) throws -> RecordRouting {
        var rule: RouteRule?
        var defaultOutput: String?
        switch value {
        case nil:
            break
        case .function(let function)?:
            rule = .chooser(ScriptRouteFunction(name: "\(pipeline).route", function: function, in: lua, loop: loop))
        case .table(let table)?:
            let options = try OptionReader("\(what): option 'route'", table: table, allowed: Self.routeOptions, in: lua)
            let field = try options.requiredString("field")
            guard !field.isEmpty else { throw LuaCallError("\(what): option 'route': 'field' must not be empty") }
            guard case .table(let map)? = options.value("outputs") else {
                throw LuaCallError(
                    "\(what): option 'route' needs 'outputs', a table from the field's values to output names (outputs = { error = \"alerts\" })")
            }
            var outputs: [DataValue: [String]] = [:]
            for (key, item) in try lua.entries(of: map) {
                let match: DataValue
                switch key {
                case .string(let text): match = .string(text)
                case .integer(let number): match = .integer(number)
                case .number(let number): match = .double(number)
                case .boolean(let flag): match = .bool(flag)
                default:
                    throw LuaCallError("\(what): option 'route': 'outputs' has a key \(try lua.describe(key)); keys are field values")
                }
                let given: DataValue
                switch item {
                case .string(let name): given = .string(name)
                case .table: given = try lua.data(item)
                default: given = .null
                }
                guard case .success(let names) = OutputNames.parse(given), !names.isEmpty else {
                    throw LuaCallError(
                        "\(what): option 'route': outputs[\(try lua.describe(key))] must be an output name or a list of names, got \(item.typeName)")
                }
                outputs[match] = names
            }
            rule = .field(FieldRoute(field: field, outputs: outputs))
            defaultOutput = try options.string("default")
        case let other?:
            throw LuaCallError(
                "\(what): option 'route' must be a function or a table { field = ..., outputs = {...}, default = ... }, got \(other.typeName)")
        }
        if rule != nil, names.isEmpty {
            throw LuaCallError(
                "\(what): option 'route' needs named outputs: to = { main = backend, alerts = other_backend }")
        }
        do {
            return try RecordRouting(outputs: names, rule: rule, defaultOutput: defaultOutput, owner: what)
        } catch {
            throw LuaCallError(error.message)
        }
    }
}
