import CLua
import CollectorValues

/// A Swift value that can be pushed onto Lua's stack (an argument, a
/// result, a global).
public protocol LuaPushable {
    func push(onto stack: LuaStack) throws(LuaError)
}

/// A Swift value that can be read from Lua's stack.
public protocol LuaReadable {
    /// Reads the value at `index`, or returns nil if it is of another type.
    static func read(from stack: LuaStack, at index: Int32) -> Self?
    /// What the value is called in "X expected" messages.
    static var luaTypeName: String { get }
}

extension Int64: LuaPushable, LuaReadable {
    public func push(onto stack: LuaStack) { stack.push(integer: self) }
    public static func read(from stack: LuaStack, at index: Int32) -> Int64? {
        var isNumber: Int32 = 0
        let value = lua_tointegerx(stack.L, index, &isNumber)
        return isNumber != 0 && stack.type(at: index) == LUA_TNUMBER ? value : nil
    }
    public static var luaTypeName: String { "integer" }
}

extension Int: LuaPushable, LuaReadable {
    public func push(onto stack: LuaStack) { stack.push(integer: Int64(self)) }
    public static func read(from stack: LuaStack, at index: Int32) -> Int? {
        Int64.read(from: stack, at: index).map { Int($0) }
    }
    public static var luaTypeName: String { "integer" }
}

extension Double: LuaPushable, LuaReadable {
    public func push(onto stack: LuaStack) { stack.push(number: self) }
    public static func read(from stack: LuaStack, at index: Int32) -> Double? {
        stack.type(at: index) == LUA_TNUMBER ? lua_tonumberx(stack.L, index, nil) : nil
    }
    public static var luaTypeName: String { "number" }
}

extension Bool: LuaPushable, LuaReadable {
    public func push(onto stack: LuaStack) { stack.push(boolean: self) }
    public static func read(from stack: LuaStack, at index: Int32) -> Bool? {
        stack.type(at: index) == LUA_TBOOLEAN ? lua_toboolean(stack.L, index) != 0 : nil
    }
    public static var luaTypeName: String { "boolean" }
}

extension String: LuaPushable, LuaReadable {
    public func push(onto stack: LuaStack) { stack.push(string: self) }
    /// Only valid UTF-8 reads as a String; read `[UInt8]` for any bytes.
    public static func read(from stack: LuaStack, at index: Int32) -> String? {
        stack.string(at: index)
    }
    public static var luaTypeName: String { "string" }
}

extension [UInt8]: LuaPushable, LuaReadable {
    public func push(onto stack: LuaStack) { withUnsafeBytes { stack.push(bytes: $0) } }
    public static func read(from stack: LuaStack, at index: Int32) -> [UInt8]? {
        stack.bytes(at: index)
    }
    public static var luaTypeName: String { "string" }
}

extension DataValue: LuaPushable {
    public func push(onto stack: LuaStack) throws(LuaError) { try stack.push(data: self) }
}

extension LuaFunction: LuaPushable, LuaReadable {
    public func push(onto stack: LuaStack) throws(LuaError) { try stack.push(ref: ref) }
    public static func read(from stack: LuaStack, at index: Int32) -> LuaFunction? {
        stack.type(at: index) == LUA_TFUNCTION ? LuaFunction(ref: stack.ref(at: index)) : nil
    }
    public static var luaTypeName: String { "function" }
}

extension LuaTable: LuaPushable, LuaReadable {
    public func push(onto stack: LuaStack) throws(LuaError) { try stack.push(ref: ref) }
    public static func read(from stack: LuaStack, at index: Int32) -> LuaTable? {
        stack.type(at: index) == LUA_TTABLE ? LuaTable(ref: stack.ref(at: index)) : nil
    }
    public static var luaTypeName: String { "table" }
}

extension LuaValue: LuaPushable, LuaReadable {
    public func push(onto stack: LuaStack) throws(LuaError) {
        switch self {
        case .nil: stack.pushNil()
        case .null: stack.pushNull()
        case .boolean(let b): stack.push(boolean: b)
        case .integer(let i): stack.push(integer: i)
        case .number(let d): stack.push(number: d)
        case .string(let s): stack.push(string: s)
        case .bytes(let b): b.withUnsafeBytes { stack.push(bytes: $0) }
        case .table(let t): try stack.push(ref: t.ref)
        case .function(let f): try stack.push(ref: f.ref)
        case .userdata(let r), .thread(let r): try stack.push(ref: r)
        case .lightUserdata:
            throw LuaError(.misuse, "a light userdata cannot be passed back to Lua")
        }
    }
    public static func read(from stack: LuaStack, at index: Int32) -> LuaValue? {
        stack.value(at: index)
    }
    public static var luaTypeName: String { "value" }
}

extension Optional: LuaPushable where Wrapped: LuaPushable {
    public func push(onto stack: LuaStack) throws(LuaError) {
        if let self { try self.push(onto: stack) } else { stack.pushNil() }
    }
}
