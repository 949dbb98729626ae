import LuaRuntime

extension OptionReader {
    /// Reads a connector's options table against its schema: an unknown
    /// option is refused with a "did you mean", a required one missing is
    /// named, and each given value is checked against its option's type and
    /// range, all before the connector is built.
    init(_ connector: ConnectorDescription, table: LuaTable?, in lua: LuaState) throws {
        try self.init(connector.qualifiedName, table: table, allowed: connector.options.map(\.name), in: lua)
        for option in connector.options {
            guard has(option.name) else {
                if option.isRequired { throw LuaCallError("\(function): option '\(option.name)' is required (\(option.doc))") }
                continue
            }
            try check(option)
        }
    }

    /// Reads the value as its type says, which throws when it is not one.
    private func check(_ option: ConnectorOption) throws {
        let name = option.name
        switch option.type {
        case .string: _ = try string(name)
        case .integer(let range):
            if let range { _ = try integer(name, in: range) } else { _ = try integer(name) }
        case .number(let range):
            if let range { _ = try number(name, in: range) } else { _ = try number(name) }
        case .boolean: _ = try boolean(name)
        case .duration(let minimum):
            if let minimum { _ = try duration(name, atLeast: minimum) } else { _ = try duration(name) }
        case .size(let range):
            if let range { _ = try size(name, in: range) } else { _ = try size(name) }
        case .stringMap: _ = try stringMap(name)
        case .strings: _ = try strings(name)
        case .choice(let values): _ = try choice(name, values)
        case .list(let entries):
            // The entries are the connector's to check.
            guard let value = value(name), case .table = value else {
                let what = entries.map { "a list of \($0)" } ?? "a list"
                throw LuaCallError("\(function): option '\(name)' must be \(what), got \(value(name)?.typeDescription ?? "nil")")
            }
        case .table:
            guard let value = value(name), case .table = value else {
                throw LuaCallError("\(function): option '\(name)' must be a table, got \(value(name)?.typeDescription ?? "nil")")
            }
        case .any: break
        }
    }
}
