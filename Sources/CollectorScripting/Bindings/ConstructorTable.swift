import LuaRuntime

/// A global table of constructors (`source`, `storage`): the engine's own and
/// those an embedder adds. Reading a name it lacks (`source.ftp`) is an error
/// that lists the names it has, in the order they were added, rather than
/// Lua's "attempt to call a nil value".
final class ConstructorTable {
    /// `source` or `storage`.
    let kind: String
    let table: LuaTable
    private(set) var names: [String] = []
    // Weak: the state holds this object (through the metamethod), not the other way round.
    private weak var lua: LuaState?

    init(_ kind: String, in lua: LuaState) throws {
        self.kind = kind
        self.lua = lua
        guard case .table(let table) = try lua.table(.object([:])) else {
            throw LuaError(.misuse, "cannot make the \(kind) table")
        }
        self.table = table
        guard case .table(let meta) = try lua.table(.object([:])) else {
            throw LuaError(.misuse, "cannot make the \(kind) table")
        }
        try lua.set(meta, "__index", try lua.function(kind) { [unowned self] call in
            let name = (try? call.string(2)) ?? "?"
            var message = "unknown \(kind) type '\(kind).\(name)'"
            if let suggestion = Suggestion.closest(to: name, in: names) { message += " (did you mean '\(kind).\(suggestion)'?)" }
            throw LuaCallError(message + "; \(kind) types are: " + names.joined(separator: ", "))
        })
        if case .function(let setmetatable) = try lua.global("setmetatable") {
            _ = try lua.call(setmetatable, LuaValue.table(table), LuaValue.table(meta))
        }
        try lua.setGlobal(kind, LuaValue.table(table))
    }

    /// The state the table lives in, while it is open.
    var state: LuaState? { lua }

    /// Sets `kind.name`; a name already taken is an error.
    func add(_ name: String, _ function: LuaFunction) throws {
        guard let lua else { throw LuaError(.misuse, "the Lua state is closed") }
        guard !names.contains(name) else { throw LuaError(.misuse, "\(kind).\(name) is already defined") }
        try lua.set(table, name, function)
        names.append(name)
    }
}
