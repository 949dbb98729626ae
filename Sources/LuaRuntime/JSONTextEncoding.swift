import CLua
import CLuaSupport
import CollectorValues

// Lua values straight to JSON text, with no `DataValue` in between: how a
// processor's result leaves its state on the fast path. The rules are those
// of `data(at:)` followed by `JSONWriter`, so either way gives the same text;
// whatever this walk does not handle (a cycle, mixed keys, NaN, a string that
// is not UTF-8, too deep) it refuses, and the caller takes the `data(at:)`
// way, which converts it or says precisely what is wrong.
extension LuaStack {
    /// Appends the JSON text of the table at `index`, which must convert to
    /// an object (a record). False, with `buffer` as it was, when the value
    /// is anything else or has no JSON form.
    func appendRecordJSON(at index: Int32, to buffer: inout JSONTextBuffer) -> Bool {
        let absolute = lua_absindex(L, index)
        let start = buffer.count
        guard lua_type(L, absolute) == LUA_TTABLE,
            appendTable(at: absolute, depth: 0, requireObject: true, to: &buffer)
        else {
            buffer.truncate(to: start)
            return false
        }
        return true
    }

    /// The state's data limit, which `JSONReader` reading the text back shares.
    private var jsonDepthLimit: Int { context.options.maxDataDepth }

    private func appendValue(at index: Int32, depth: Int, to buffer: inout JSONTextBuffer) -> Bool {
        switch lua_type(L, index) {
        case LUA_TBOOLEAN:
            buffer.append(bool: lua_toboolean(L, index) != 0)
            return true
        case LUA_TNUMBER:
            if lua_isinteger(L, index) != 0 {
                buffer.append(integer: lua_tointegerx(L, index, nil))
                return true
            }
            return buffer.append(double: lua_tonumberx(L, index, nil))
        case LUA_TSTRING:
            var length = 0
            let pointer = lua_tolstring(L, index, &length)!
            return buffer.append(string: UnsafeRawBufferPointer(start: pointer, count: length).bindMemory(to: UInt8.self))
        case LUA_TTABLE:
            return appendTable(at: index, depth: depth, requireObject: false, to: &buffer)
        case LUA_TLIGHTUSERDATA where lua_touserdata(L, index) == cl_null_sentinel():
            buffer.appendNull()
            return true
        case LUA_TUSERDATA where hostError(at: index) != nil:
            var message = hostError(at: index)!.message
            return message.withUTF8 { buffer.append(string: $0) }
        default:
            return false
        }
    }

    /// An object is written while `lua_next` walks it; an array is only
    /// counted on that walk (its order is not `lua_next`'s) and written in
    /// index order after it.
    private func appendTable(at index: Int32, depth: Int, requireObject: Bool, to buffer: inout JSONTextBuffer) -> Bool {
        // The depth limit also ends a cycle: the walk refuses it, and
        // `data(at:)` names it.
        guard depth < jsonDepthLimit, lua_checkstack(L, 4) != 0 else { return false }
        var members = 0
        var items: lua_Integer = 0
        var highest: lua_Integer = 0
        lua_pushnil(L)
        while lua_next(L, index) != 0 {
            switch lua_type(L, -2) {
            case LUA_TSTRING where items == 0:
                buffer.append(ascii: members == 0 ? UInt8(ascii: "{") : UInt8(ascii: ","))
                members += 1
                var length = 0
                let key = lua_tolstring(L, -2, &length)!
                guard buffer.append(string: UnsafeRawBufferPointer(start: key, count: length).bindMemory(to: UInt8.self)) else {
                    lua_settop(L, -3)
                    return false
                }
                buffer.append(ascii: UInt8(ascii: ":"))
                guard appendValue(at: lua_gettop(L), depth: depth + 1, to: &buffer) else {
                    lua_settop(L, -3)
                    return false
                }
            case LUA_TNUMBER where members == 0 && !requireObject && lua_isinteger(L, -2) != 0:
                let key = lua_tointegerx(L, -2, nil)
                guard key >= 1 else {
                    lua_settop(L, -3)
                    return false
                }
                items += 1
                highest = max(highest, key)
            default:
                lua_settop(L, -3)
                return false
            }
            lua_settop(L, -2)  // pop the value, keep the key for lua_next
        }
        if members > 0 {
            buffer.append(ascii: UInt8(ascii: "}"))
            return true
        }
        if items > 0 {
            guard highest == items else { return false }
            buffer.append(ascii: UInt8(ascii: "["))
            for i in 1...highest {
                if i > 1 { buffer.append(ascii: UInt8(ascii: ",")) }
                lua_rawgeti(L, index, i)
                defer { lua_settop(L, -2) }
                guard appendValue(at: lua_gettop(L), depth: depth + 1, to: &buffer) else { return false }
            }
            buffer.append(ascii: UInt8(ascii: "]"))
            return true
        }
        switch emptyKind(at: index) {
        case .object:
            buffer.append(ascii: UInt8(ascii: "{"))
            buffer.append(ascii: UInt8(ascii: "}"))
            return true
        case .array:
            guard !requireObject else { return false }
            buffer.append(ascii: UInt8(ascii: "["))
            buffer.append(ascii: UInt8(ascii: "]"))
            return true
        }
    }
}
