import CollectorValues
import LuaRuntime

/// The `config` a processor file's `init(ctx)` receives as `ctx.config`:
/// plain data the script gives (`processor.file("p.lua", { config = {...} })`)
/// or an inline test sets. Only tables, strings, numbers and booleans: the
/// value is copied into every state of the processor, so nothing in it can
/// refer to the script's state.
enum ProcessorConfig {
    /// `value` as data, or an error naming where in it something else is.
    static func read(_ value: LuaValue, in lua: LuaState, what: String) throws -> DataValue {
        guard case .table = value else {
            throw LuaCallError("\(what) must be a table of plain data, got \(value.typeDescription)")
        }
        let data: DataValue
        do {
            data = try lua.data(value, root: "config")
        } catch {
            throw LuaCallError("\(what) must be plain data (tables, strings, numbers, booleans): \(error.message)")
        }
        if let problem = problem(in: data, at: "config") {
            throw LuaCallError("\(what) must be plain data (tables, strings, numbers, booleans): \(problem)")
        }
        return data
    }

    /// The first value that is not plain data, with its path.
    private static func problem(in value: DataValue, at path: String) -> String? {
        switch value {
        case .bool, .integer, .double, .string, .bytes: return nil
        case .null: return "\(path) is json.null"
        case .array(let items):
            for (index, item) in items.enumerated() {
                if let problem = problem(in: item, at: "\(path)[\(index + 1)]") { return problem }
            }
            return nil
        case .object(let object):
            for (key, item) in object {
                if let problem = problem(in: item, at: "\(path).\(key)") { return problem }
            }
            return nil
        }
    }
}
