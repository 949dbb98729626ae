import LuaRuntime

/// A global table of constructors (`source`, `storage`): the engine's own and
/// those an embedder adds. A name it lacks (`source.ftp`) reads as nil, so a
/// script can ask `if storage.kafka then` of an engine built without it;
/// the read is remembered, so that calling it is explained by the names
/// the table has (`explain(_:)`), not only by Lua's "attempt to call a nil value".
final class ConstructorTable {
    /// `source` or `storage`.
    let kind: String
    let table: LuaTable
    private(set) var names: [String] = []
    /// The names read but not there, and where each was read (`script.lua:3: `).
    private var missed: [String: Set<String>] = [:]
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
            if let name = try? call.string(2) { missed[name, default: []].insert(call.callerLocation) }
            return 0
        })
        if case .function(let setmetatable) = try lua.global("setmetatable") {
            _ = try lua.call(setmetatable, LuaValue.table(table), LuaValue.table(meta))
        }
        try lua.setGlobal(kind, LuaValue.table(table))
    }

    /// What Lua's `message` "LOCATION: attempt to call a nil value (field
    /// 'NAME')" means when the script read `kind.NAME` at that location and
    /// it was not there: an unknown type, what was likely meant, and the
    /// types there are, in its place. `nil` for another message.
    func explain(_ message: String, missing name: String) -> String? {
        guard !names.contains(name), let locations = missed[name] else { return nil }
        let nilCall = "attempt to call a nil value (field '\(name)')"
        guard let location = locations.first(where: { message.contains($0 + nilCall) }),
            let range = message.range(of: location + nilCall)
        else { return nil }
        var explanation = "unknown \(kind) type '\(kind).\(name)'"
        if let suggestion = Suggestion.closest(to: name, in: names) { explanation += " (did you mean '\(kind).\(suggestion)'?)" }
        explanation += "; \(kind) types are: " + names.joined(separator: ", ")
        return message.replacingCharacters(in: range, with: location + explanation)
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
