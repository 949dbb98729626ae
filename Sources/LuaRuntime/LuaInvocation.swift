import CLua
import CLuaSupport
import CollectorValues

/// Calling into Lua from Swift, on one thread's stack: the only way Swift
/// runs Lua code (always protected, always with a traceback).
struct LuaInvocation {
    let stack: LuaStack
    var L: OpaquePointer { stack.L }
    var context: LuaContext { stack.context }

    /// Runs the function below `argumentCount` arguments. An outermost call
    /// arms the budget; calls nested inside a Swift function share it.
    func protectedCall(argumentCount: Int32, resultCount: Int32) throws(LuaError) {
        if context.callDepth == 0 {
            context.refs.drain(L)
            let limits = context.callLimits ?? (context.options.instructionLimit, context.options.timeLimit)
            cl_begin_call(L, Int64(limits.instructions ?? 0), limits.time.map(Self.nanoseconds) ?? 0)
        }
        // A call nested in a running one normally shares its budget; one
        // made under `withCallLimits` gets its own, for its duration.
        var saved: cl_budget?
        if context.callDepth > 0, let limits = context.callLimits, context.armNestedLimits {
            saved = cl_push_budget(L, Int64(limits.instructions ?? 0), limits.time.map(Self.nanoseconds) ?? 0)
        }
        let armNested = context.armNestedLimits
        context.armNestedLimits = false
        context.callDepth += 1
        defer {
            context.callDepth -= 1
            context.armNestedLimits = armNested
            if let saved { cl_pop_budget(L, saved) }
            if context.callDepth == 0 { cl_end_call(L) }
        }
        let status = cl_pcall(L, argumentCount, resultCount)
        if status != LUA_OK { throw error(status: status) }
    }

    static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 1 }
        // Past a century a limit is no limit; capping keeps the deadline
        // (now + this, in C) from wrapping around to the past.
        let capped = UInt64(min(seconds, 100 * 365 * 86_400))
        return capped * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000) | 1
    }

    /// Turns the error value on top of the stack (popped) into a LuaError.
    func error(status: Int32) -> LuaError {
        defer { lua_settop(L, -2) }
        // Read first: describing the value below may run Lua (`__tostring`).
        cl_push_last_traceback(L)
        let traceback = status == LUA_ERRRUN || status == LUA_ERRERR ? stack.string(at: -1) : nil
        lua_settop(L, -2)
        // What stopped the call, as it was before any `__tostring` ran.
        let stopReason = context.runtime.pointer.pointee.stop_reason
        var value: DataValue?
        let message: String
        let host = stack.hostError(at: -1)
        switch lua_type(L, -1) {
        case LUA_TUSERDATA where host != nil:
            message = host!.message
        case LUA_TSTRING:
            message = stack.string(at: -1) ?? String(decoding: stack.bytes(at: -1) ?? [], as: UTF8.self)
        case LUA_TNIL:
            message = "nil"
            value = .null
        case LUA_TNUMBER:
            let number = (try? stack.data(at: -1)) ?? .null
            message = number.intValue.map(String.init) ?? number.numberValue.map { "\($0)" } ?? "?"
            value = number
        default:
            value = try? stack.data(at: -1, root: "error")
            message = describeErrorValue(value)
            context.runtime.pointer.pointee.stop_reason = stopReason
        }

        let kind: LuaError.Kind
        var underlying: (any Error & Sendable)?
        switch status {
        case LUA_ERRSYNTAX: kind = .syntax
        case LUA_ERRMEM: kind = .memory
        default:
            switch cl_stop_reason(UInt32(stopReason)) {
            case CL_STOP_INTERRUPT: kind = .interrupted
            case CL_STOP_INSTRUCTIONS, CL_STOP_DEADLINE: kind = .limit
            case CL_STOP_MEMORY: kind = .memory
            default:
                if let host {
                    kind = .callback
                    underlying = host.error
                } else {
                    kind = .runtime
                }
            }
        }
        return LuaError(kind, message, traceback: traceback, value: value, underlyingError: underlying)
    }

    /// The message for an error value that is not a string or a number (on
    /// top of the stack): what its `__tostring` gives, as Lua's own
    /// interpreter shows it, else the table's contents, else its type.
    private func describeErrorValue(_ value: DataValue?) -> String {
        if let text = errorValueToString() { return text }
        switch value {
        case .array, .object: return ErrorValueText.render(value!)
        default: return "(error object is a \(stack.typeName(at: -1)) value)"
        }
    }

    /// The error value's `__tostring`, called protected under the running
    /// call's budget; nil when it has none, fails or gives no string (and
    /// while describing another error value: no recursion through it).
    private func errorValueToString() -> String? {
        let type = lua_type(L, -1)
        guard type == LUA_TTABLE || type == LUA_TUSERDATA, !context.describingErrorValue,
            lua_checkstack(L, 3) != 0, lua_getmetatable(L, -1) != 0
        else { return nil }
        lua_pushstring(L, "__tostring")
        let found = lua_rawget(L, -2)
        lua_rotate(L, -2, 1)
        lua_settop(L, -2)  // the metatable; the metamethod is on top
        guard found == LUA_TFUNCTION else {
            lua_settop(L, -2)
            return nil
        }
        lua_pushvalue(L, -2)
        context.describingErrorValue = true
        defer { context.describingErrorValue = false }
        do {
            try protectedCall(argumentCount: 1, resultCount: 1)
        } catch {
            return nil
        }
        defer { lua_settop(L, -2) }
        guard lua_type(L, -1) == LUA_TSTRING else { return nil }
        return stack.string(at: -1) ?? String(decoding: stack.bytes(at: -1) ?? [], as: UTF8.self)
    }

    /// Calls `function` with the arguments and returns all its results.
    func call<each A: LuaPushable>(
        _ function: LuaFunction, _ arguments: repeat each A
    ) throws(LuaError) -> [LuaValue] {
        let base = lua_gettop(L)
        defer { lua_settop(L, base) }
        let count = try pushCall(function, repeat each arguments)
        try protectedCall(argumentCount: count, resultCount: CLUA_MULTRET)
        let top = lua_gettop(L)
        guard top > base else { return [] }
        return (base + 1...top).map { stack.value(at: $0) }
    }

    /// Calls `function` and reads its first result as `R`.
    func call<R: LuaReadable, each A: LuaPushable>(
        _ function: LuaFunction, _ arguments: repeat each A, returning: R.Type
    ) throws(LuaError) -> R {
        let base = lua_gettop(L)
        defer { lua_settop(L, base) }
        let count = try pushCall(function, repeat each arguments)
        try protectedCall(argumentCount: count, resultCount: 1)
        guard let result = R.read(from: stack, at: -1) else {
            throw LuaError(.conversion, "expected the function to return \(R.luaTypeName), got \(stack.typeName(at: -1))")
        }
        return result
    }

    /// Pushes the function and its arguments; returns the argument count.
    func pushCall<each A: LuaPushable>(
        _ function: LuaFunction, _ arguments: repeat each A
    ) throws(LuaError) -> Int32 {
        var count: Int32 = 0
        for _ in repeat (each arguments) { count += 1 }
        try stack.reserve(count + 2)
        try stack.push(ref: function.ref)
        for argument in repeat each arguments {
            try argument.push(onto: stack)
        }
        return count
    }
}
