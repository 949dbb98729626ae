import LuaRuntime

extension LuaState {
    /// The metatable of `value` as Lua itself uses it (`debug.getmetatable`,
    /// which the REPL's full standard library has): `getmetatable` gives
    /// engine objects' stand-ins, and a table's `__metatable` field. Nil when
    /// there is none.
    func metatable(of value: LuaValue) -> LuaTable? {
        var getter: LuaValue? = nil
        if case .table(let debug)? = try? global("debug") { getter = try? get(debug, "getmetatable") }
        if getter?.functionValue == nil { getter = try? global("getmetatable") }
        guard case .function(let function)? = getter, case .table(let table)? = try? call(function, value).first
        else { return nil }
        return table
    }
}
