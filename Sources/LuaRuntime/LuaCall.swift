import CLua
import CLuaSupport
import CollectorValues

/// A call from Lua into a Swift function: its arguments, and where its
/// results go. Valid only during the call.
///
/// The typed accessors check like Lua's own `luaL_check*` functions and
/// throw `LuaArgumentError`, which reaches Lua as
/// `bad argument #2 to 'store' (integer expected, got string)`.
public struct LuaCall {
    public let stack: LuaStack
    /// The function's name, as error messages say it.
    public let functionName: String
    /// 1 for methods: their `self` is below the first argument.
    let offset: Int32

    init(stack: LuaStack, functionName: String, offset: Int32) {
        self.stack = stack
        self.functionName = functionName
        self.offset = offset
    }

    /// How many arguments Lua passed (not counting a method's `self`).
    public var argumentCount: Int { max(0, Int(stack.top - offset)) }

    func index(_ position: Int) -> Int32 { Int32(position) + offset }

    /// Where the Lua code that called this function is, as Lua's error
    /// messages begin (`script.lua:12: `); empty when the caller is not Lua code.
    public var callerLocation: String {
        luaL_where(stack.L, 1)
        defer { lua_settop(stack.L, -2) }
        return stack.string(at: -1) ?? ""
    }

    /// Reads argument `position` (1-based) as `T`; a missing or mistyped argument throws.
    public func argument<T: LuaReadable>(_ position: Int, as type: T.Type = T.self) throws -> T {
        let i = index(position)
        if let value = T.read(from: stack, at: i) { return value }
        throw argumentError(position, expected: T.luaTypeName)
    }

    /// Reads argument `position`, or nil when it is absent or nil.
    public func optionalArgument<T: LuaReadable>(_ position: Int, as type: T.Type = T.self) throws -> T? {
        let i = index(position)
        if lua_type(stack.L, i) <= LUA_TNIL { return nil }
        if let value = T.read(from: stack, at: i) { return value }
        throw argumentError(position, expected: T.luaTypeName)
    }

    public func integer(_ position: Int) throws -> Int64 {
        let i = index(position)
        var isInteger: Int32 = 0
        let value = lua_tointegerx(stack.L, i, &isInteger)
        if isInteger != 0, stack.type(at: i) == LUA_TNUMBER { return value }
        if stack.type(at: i) == LUA_TNUMBER {
            throw LuaArgumentError(position: position, function: functionName, problem: "number has no integer representation")
        }
        throw argumentError(position, expected: "integer")
    }

    public func number(_ position: Int) throws -> Double { try argument(position) }

    public func string(_ position: Int) throws -> String { try argument(position) }

    public func boolean(_ position: Int) -> Bool { lua_toboolean(stack.L, index(position)) != 0 }

    public func function(_ position: Int) throws -> LuaFunction { try argument(position) }

    public func table(_ position: Int) throws -> LuaTable { try argument(position) }

    /// Any value; absent arguments read as `.nil`.
    public func value(_ position: Int) -> LuaValue { stack.value(at: index(position)) }

    /// Argument `position` as data (a table becomes an array or an object).
    public func data(_ position: Int) throws -> DataValue {
        let i = index(position)
        if lua_type(stack.L, i) == LUA_TNONE { throw argumentError(position, expected: "value") }
        do {
            return try stack.data(at: i, root: "argument #\(position)")
        } catch {
            throw LuaArgumentError(position: position, function: functionName, problem: error.message)
        }
    }

    /// The Swift object of type `T` at `position`.
    public func object<T: AnyObject>(_ position: Int, as type: T.Type = T.self) throws -> T {
        let i = index(position)
        var box: UnsafeMutableRawPointer?
        switch cl_check_swift_object(stack.L, i, LuaObjectType<T>.key, &box) {
        case 1: return Unmanaged<AnyObject>.fromOpaque(box!).takeUnretainedValue() as! T
        case 2: throw LuaCallError("attempt to use a closed \(stack.typeName(at: i))")
        default: throw argumentError(position, expected: stack.context.typeName(of: T.self))
        }
    }

    private func argumentError(_ position: Int, expected: String) -> LuaArgumentError {
        let i = index(position)
        // A Lua string refused where a string is expected is one that is not UTF-8: say so.
        if expected == "string", lua_type(stack.L, i) == LUA_TSTRING, let bytes = stack.bytes(at: i),
            let problem = UTF8Validation.problem(bytes)
        {
            return LuaArgumentError(position: position, function: functionName, problem: "string is not valid UTF-8: \(problem)")
        }
        let got = lua_type(stack.L, i) == LUA_TNONE ? "no value" : stack.typeName(at: i)
        return LuaArgumentError(position: position, function: functionName, problem: "\(expected) expected, got \(got)")
    }

    // MARK: Results

    /// Pushes one result; return the number of results pushed from the function.
    public func push<T: LuaPushable>(_ value: T) throws {
        try stack.reserve(1)
        try value.push(onto: stack)
    }

    /// Pushes `value` as data (tables for arrays and objects).
    public func push(data value: DataValue) throws {
        try stack.push(data: value)
    }

    /// Pushes argument `position` itself (the same table, not a copy) as a result.
    public func pushArgument(_ position: Int) {
        lua_pushvalue(stack.L, index(position))
    }

    /// Marks the table at argument `position` as an array or an object, so
    /// that it keeps that kind when it crosses into Swift even when empty.
    public func markTable(_ position: Int, asArray: Bool) throws {
        _ = try table(position)
        try stack.reserve(1)
        lua_rawgetp(stack.L, CLUA_REGISTRYINDEX, asArray ? cl_array_marker_key() : cl_object_marker_key())
        lua_setmetatable(stack.L, index(position))
    }

    /// Pushes JSON text as the value it denotes (see `JSONText`).
    public func push(json bytes: ArraySlice<UInt8>) throws {
        try stack.reserve(1)
        try stack.push(json: bytes)
    }

    /// Calls a Lua function from inside this call (on the running thread), protected.
    public func call<each A: LuaPushable>(
        _ function: LuaFunction, _ arguments: repeat each A
    ) throws(LuaError) -> [LuaValue] {
        try LuaInvocation(stack: stack).call(function, repeat each arguments)
    }

    /// Makes the Swift object at `position` unusable from Lua from now on
    /// (later calls raise "attempt to use a closed ..."), releasing it.
    public func releaseObject(at position: Int) {
        cl_invalidate_swift_object(stack.L, index(position))
    }
}

/// A mistyped or missing argument, reported the way Lua's `luaL_argerror` does.
public struct LuaArgumentError: Error, Sendable, CustomStringConvertible {
    public var position: Int
    public var function: String
    public var problem: String

    public init(position: Int, function: String, problem: String) {
        self.position = position
        self.function = function
        self.problem = problem
    }

    public var description: String {
        position == 0
            ? "calling '\(function)' on bad self (\(problem))"
            : "bad argument #\(position) to '\(function)' (\(problem))"
    }
}

/// An error a Swift function raises in Lua with a plain message (position prefixed).
public struct LuaCallError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
