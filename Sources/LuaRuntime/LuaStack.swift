import CLua
import CLuaSupport
import CollectorValues

/// The Lua stack of the thread that is running, as Swift code touches it.
///
/// Only the calls Lua documents as unable to raise are used here, or raw
/// variants that can only fail for lack of memory (and memory is not
/// refused to Swift, see `cl_alloc`). Anything that can raise runs in C.
public struct LuaStack {
    let L: OpaquePointer
    unowned(unsafe) let context: LuaContext

    init(_ L: OpaquePointer, _ context: LuaContext) {
        self.L = L
        self.context = context
    }

    var top: Int32 { lua_gettop(L) }

    func setTop(_ index: Int32) { lua_settop(L, index) }

    func type(at index: Int32) -> Int32 { lua_type(L, index) }

    func typeName(at index: Int32) -> String {
        let type = lua_type(L, index)
        if type == LUA_TLIGHTUSERDATA, lua_touserdata(L, index) == cl_null_sentinel() { return "null" }
        if type == LUA_TUSERDATA, let name = metatableName(at: index) { return name }
        return String(cString: lua_typename(L, type))
    }

    /// `__name` of the value's metatable, read raw.
    private func metatableName(at index: Int32) -> String? {
        guard lua_getmetatable(L, index) != 0 else { return nil }
        defer { lua_settop(L, -3) }
        lua_pushstring(L, "__name")
        guard lua_rawget(L, -2) == LUA_TSTRING, let name = lua_tolstring(L, -1, nil) else { return nil }
        return String(cString: name)
    }

    /// Makes room for `n` more values; the stack only fails past a million slots.
    func reserve(_ n: Int32) throws(LuaError) {
        guard lua_checkstack(L, n) != 0 else {
            throw LuaError(.runtime, "stack overflow (cannot grow the Lua stack by \(n))")
        }
    }

    // MARK: Pushing

    public func push<T: LuaPushable>(_ value: T) throws(LuaError) {
        try value.push(onto: self)
    }

    func pushNil() { lua_pushnil(L) }

    func push(integer: Int64) { lua_pushinteger(L, integer) }

    func push(number: Double) { lua_pushnumber(L, number) }

    func push(boolean: Bool) { lua_pushboolean(L, boolean ? 1 : 0) }

    func push(string: String) {
        var string = string
        string.withUTF8 { utf8 in
            _ = lua_pushlstring(L, utf8.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, utf8.count)
        }
    }

    func push(bytes: UnsafeRawBufferPointer) {
        _ = lua_pushlstring(L, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
    }

    func pushNull() { lua_pushlightuserdata(L, cl_null_sentinel()) }

    func push(ref: LuaRef) throws(LuaError) {
        guard ref.owner === context.refs else {
            throw LuaError(.misuse, "a Lua value from another state cannot be used here")
        }
        lua_rawgeti(L, CLUA_REGISTRYINDEX, lua_Integer(ref.id))
    }

    // MARK: Reading

    func string(at index: Int32) -> String? {
        var length = 0
        if lua_type(L, index) == LUA_TUSERDATA, let host = hostError(at: index) { return host.message }
        guard lua_type(L, index) == LUA_TSTRING, let pointer = lua_tolstring(L, index, &length) else { return nil }
        let buffer = UnsafeRawBufferPointer(start: pointer, count: length)
        return UTF8Validation.string(buffer.bindMemory(to: UInt8.self))
    }

    /// A Lua string's bytes, or nil if the value is not a string.
    func bytes(at index: Int32) -> [UInt8]? {
        var length = 0
        guard lua_type(L, index) == LUA_TSTRING, let pointer = lua_tolstring(L, index, &length) else { return nil }
        return Array(UnsafeRawBufferPointer(start: pointer, count: length))
    }

    /// A registry reference to the value at `index`.
    func ref(at index: Int32) -> LuaRef {
        lua_pushvalue(L, index)
        let id = luaL_ref(L, CLUA_REGISTRYINDEX)
        return LuaRef(id: id, owner: context.refs)
    }

    /// Any value, with references for tables, functions, userdata and threads.
    func value(at index: Int32) -> LuaValue {
        switch lua_type(L, index) {
        case LUA_TNIL, LUA_TNONE: return .nil
        case LUA_TBOOLEAN: return .boolean(lua_toboolean(L, index) != 0)
        case LUA_TNUMBER:
            return lua_isinteger(L, index) != 0
                ? .integer(lua_tointegerx(L, index, nil)) : .number(lua_tonumberx(L, index, nil))
        case LUA_TSTRING:
            if let string = string(at: index) { return .string(string) }
            return .bytes(bytes(at: index) ?? [])
        case LUA_TTABLE: return .table(LuaTable(ref: ref(at: index)))
        case LUA_TFUNCTION: return .function(LuaFunction(ref: ref(at: index)))
        case LUA_TUSERDATA:
            if let host = hostError(at: index) { return .string(host.message) }
            return .userdata(ref(at: index))
        case LUA_TTHREAD: return .thread(ref(at: index))
        default:
            let pointer = lua_touserdata(L, index)
            if pointer == cl_null_sentinel() { return .null }
            return .lightUserdata(UInt(bitPattern: pointer))
        }
    }
}
