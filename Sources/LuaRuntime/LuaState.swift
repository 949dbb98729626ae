import CLua
import CLuaSupport
import CollectorValues

/// One Lua state: the confined handle through which Swift runs Lua.
///
/// A state is used by one thread at a time (it is not `Sendable`); to share
/// one between tasks, own it with a `LuaWorker`. Every call into Lua is
/// protected and runs under the options' limits; after an error, a limit
/// or an interrupt the state goes on working.
///
///     let lua = try LuaState(LuaOptions(libraries: .sandboxed, memoryLimit: 8 << 20))
///     let add = try lua.load("return function(a, b) return a + b end", name: "add")
///     let sum = try lua.call(add, returning: Int64.self)   // the chunk returns the function
public final class LuaState {
    let L: OpaquePointer
    let context: LuaContext
    public private(set) var isClosed = false

    /// Creates a state with the options' libraries, limits and module path.
    public init(_ options: LuaOptions = LuaOptions()) throws(LuaError) {
        SwiftCallbacks.installed
        let runtime = LuaRuntimeMemory()
        runtime.pointer.pointee.limit = options.memoryLimit.map { max(0, $0) } ?? 0
        runtime.pointer.pointee.hook_interval = Int32(clamping: max(1, options.hookInterval))
        guard let L = cl_newstate(runtime.pointer) else {
            throw LuaError(.memory, "cannot create a Lua state: not enough memory")
        }
        self.L = L
        context = LuaContext(options: options, runtime: runtime)
        runtime.pointer.pointee.swift_context = Unmanaged.passUnretained(context).toOpaque()
        if cl_open_libraries(L, options.libraries == .sandboxed ? 1 : 0) != LUA_OK {
            let message = stack.string(at: -1) ?? "unknown error"
            close()
            throw LuaError(.memory, "cannot open the Lua libraries: \(message)")
        }
        if !options.modulePaths.isEmpty {
            try setModulePath(options.modulePaths)
        }
    }

    deinit { close() }

    /// Closes the state: Lua collects everything (Swift objects it held are
    /// released); refs still held by Swift become inert. Idempotent.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        context.refs.close()
        lua_close(L)
        context.runtime.pointer.pointee.swift_context = nil
    }

    var stack: LuaStack { LuaStack(L, context) }
    var invocation: LuaInvocation { LuaInvocation(stack: stack) }

    /// The options the state was created with.
    public var options: LuaOptions { context.options }

    /// A handle that stops this state's running call from any thread.
    public var interruptHandle: LuaInterruptHandle { LuaInterruptHandle(runtime: context.runtime) }

    /// Bytes Lua has allocated now, and at most so far.
    public var memoryInUse: Int { Int(context.runtime.pointer.pointee.used) }
    public var peakMemory: Int { Int(context.runtime.pointer.pointee.peak) }

    /// Where Lua's warnings (`warn(...)`, errors in finalizers) go; stderr by default.
    public var warningHandler: ((String) -> Void)? {
        get { context.warningHandler }
        set { context.warningHandler = newValue }
    }

    func checkOpen() throws(LuaError) {
        if isClosed { throw LuaError(.misuse, "the Lua state is closed") }
    }

    // MARK: Chunks

    /// Compiles `source` (text only; binary chunks are refused) into a function.
    /// `name` appears in error messages and tracebacks: a file name, or
    /// `"=label"` for a label shown as is.
    public func load(_ source: String, name: String) throws(LuaError) -> LuaFunction {
        var source = source
        let result = source.withUTF8 { utf8 in Result { () throws(LuaError) in try load(bytes: utf8, name: name) } }
        return try result.get()
    }

    /// Compiles source given as bytes: a Lua string literal in it keeps bytes
    /// that are not UTF-8 (a `String` would have replaced them).
    public func load(bytes source: UnsafeBufferPointer<UInt8>, name: String) throws(LuaError) -> LuaFunction {
        try checkOpen()
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        let status = source.withMemoryRebound(to: CChar.self) { chars in
            cl_load(L, chars.baseAddress, chars.count, name)
        }
        guard status == LUA_OK else { throw invocation.error(status: status) }
        return LuaFunction(ref: stack.ref(at: -1))
    }

    /// Compiles source given as bytes (see `load(bytes:name:)`).
    public func load(bytes source: [UInt8], name: String) throws(LuaError) -> LuaFunction {
        let result = source.withUnsafeBufferPointer { buffer in
            Result { () throws(LuaError) in try load(bytes: buffer, name: name) }
        }
        return try result.get()
    }

    /// Compiles and runs `source`; returns what the chunk returns.
    @discardableResult
    public func run(_ source: String, name: String = "=chunk") throws(LuaError) -> [LuaValue] {
        try call(try load(source, name: name))
    }

    // MARK: Calls

    /// Calls `function` with the arguments; returns all its results.
    @discardableResult
    public func call<each A: LuaPushable>(
        _ function: LuaFunction, _ arguments: repeat each A
    ) throws(LuaError) -> [LuaValue] {
        try checkOpen()
        return try invocation.call(function, repeat each arguments)
    }

    /// Calls `function` with a list of arguments; returns all its results.
    @discardableResult
    public func call<A: LuaPushable>(_ function: LuaFunction, arguments: [A]) throws(LuaError) -> [LuaValue] {
        try checkOpen()
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        try stack.reserve(Int32(clamping: arguments.count + 2))
        try stack.push(ref: function.ref)
        for argument in arguments { try argument.push(onto: stack) }
        try invocation.protectedCall(argumentCount: Int32(arguments.count), resultCount: CLUA_MULTRET)
        let resultTop = lua_gettop(L)
        return resultTop > top ? (top + 1...resultTop).map { stack.value(at: $0) } : []
    }

    /// Calls `function` and reads its first result as `R` (no array of results is built).
    public func call<R: LuaReadable, each A: LuaPushable>(
        _ function: LuaFunction, _ arguments: repeat each A, returning: R.Type
    ) throws(LuaError) -> R {
        try checkOpen()
        return try invocation.call(function, repeat each arguments, returning: R.self)
    }

    /// Calls `function` with `record` as a table (then any extra arguments)
    /// and returns its first result as data, or nil when it returned nothing
    /// or nil: the shape of a processor call, converted both ways without
    /// intermediate objects.
    public func callTransform<each A: LuaPushable>(
        _ function: LuaFunction, _ record: DataValue, _ extra: repeat each A
    ) throws(LuaError) -> DataValue? {
        try callTransform(function, input: record, repeat each extra)
    }

    /// `callTransform` with any input: `JSONText` is decoded straight into a table.
    public func callTransform<Input: LuaPushable, each A: LuaPushable>(
        _ function: LuaFunction, input record: Input, _ extra: repeat each A
    ) throws(LuaError) -> DataValue? {
        try checkOpen()
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        let count = try invocation.pushCall(function, record, repeat each extra)
        try invocation.protectedCall(argumentCount: count, resultCount: 1)
        if lua_type(L, -1) == LUA_TNIL { return nil }
        return try stack.data(at: -1, root: "result")
    }

    /// `callTransform` that writes the result as JSON text into `text` when
    /// it has a JSON form (the usual case: no `DataValue` is built), and
    /// converts it to data otherwise (NaN, a string that is not UTF-8, a
    /// result that is not a record), so the caller can still say what it is.
    public func callTransform<Input: LuaPushable, each A: LuaPushable>(
        _ function: LuaFunction, input record: Input, _ extra: repeat each A, text: inout JSONTextBuffer
    ) throws(LuaError) -> TransformResult {
        try checkOpen()
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        let count = try invocation.pushCall(function, record, repeat each extra)
        try invocation.protectedCall(argumentCount: count, resultCount: 1)
        if lua_type(L, -1) == LUA_TNIL { return .none }
        let start = text.count
        if stack.appendRecordJSON(at: -1, to: &text) { return .text(start..<text.count) }
        return .data(try stack.data(at: -1, root: "result"))
    }

    /// Runs `body` with another budget for each call it makes (`nil`: no
    /// limit of that kind), instead of the state's options — even when the
    /// state is already running Lua that called into Swift: a state that runs
    /// both trusted code and per-record callbacks. A callback that exceeds
    /// its budget fails alone; the running code goes on.
    public func withCallLimits<T>(instructions: Int?, time: Duration?, _ body: () throws -> T) rethrows -> T {
        let saved = (context.callLimits, context.armNestedLimits)
        context.callLimits = (instructions, time)
        context.armNestedLimits = true
        defer { (context.callLimits, context.armNestedLimits) = saved }
        return try body()
    }

    // MARK: Globals

    /// The global `name`.
    public func global(_ name: String) throws(LuaError) -> LuaValue {
        try checkOpen()
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        pushGlobals()
        stack.push(string: name)
        lua_rawget(L, -2)
        return stack.value(at: -1)
    }

    /// Sets the global `name` (raw: no metamethods of `_G` run).
    public func setGlobal(_ name: String, _ value: some LuaPushable) throws(LuaError) {
        try checkOpen()
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        try stack.reserve(3)
        pushGlobals()
        stack.push(string: name)
        try value.push(onto: stack)
        lua_rawset(L, -3)
    }

    private func pushGlobals() {
        lua_rawgeti(L, CLUA_REGISTRYINDEX, lua_Integer(CLUA_RIDX_GLOBALS))
    }

    /// Sets `package.path` (the `require` search templates). In the
    /// sandbox these are the only places `require` looks, and scripts
    /// cannot change them.
    public func setModulePath(_ templates: [String]) throws(LuaError) {
        try checkOpen()
        guard case .table = try global("package") else {
            throw LuaError(.misuse, "this state has no package library")
        }
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        let status = templates.joined(separator: ";").withCString { cl_set_module_path(L, $0) }
        guard status == LUA_OK else { throw LuaError(.memory, "cannot set the module path: not enough memory") }
    }

    /// The names `require` has loaded (`package.loaded`), standard libraries included.
    public func loadedModuleNames() throws(LuaError) -> [String] {
        try checkOpen()
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        try stack.reserve(4)
        stack.push(string: "_LOADED")
        guard lua_rawget(L, CLUA_REGISTRYINDEX) == LUA_TTABLE else { return [] }
        var names: [String] = []
        lua_pushnil(L)
        while lua_next(L, -2) != 0 {
            if lua_type(L, -2) == LUA_TSTRING, let name = stack.string(at: -2) { names.append(name) }
            lua_settop(L, -2)
        }
        return names
    }

    /// `table[key] = value`, raw.
    public func set(_ table: LuaTable, _ key: String, _ value: some LuaPushable) throws(LuaError) {
        try checkOpen()
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        try stack.reserve(3)
        try stack.push(ref: table.ref)
        stack.push(string: key)
        try value.push(onto: stack)
        lua_rawset(L, -3)
    }

    /// `table[key]`, raw.
    public func get(_ table: LuaTable, _ key: String) throws(LuaError) -> LuaValue {
        try checkOpen()
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        try stack.reserve(2)
        try stack.push(ref: table.ref)
        stack.push(string: key)
        lua_rawget(L, -2)
        return stack.value(at: -1)
    }

    // MARK: Inspection

    /// The table's entries, read raw (no metamethods), in Lua's traversal order.
    public func entries(of table: LuaTable) throws(LuaError) -> [(key: LuaValue, value: LuaValue)] {
        try checkOpen()
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        try stack.reserve(4)
        try stack.push(ref: table.ref)
        var entries: [(key: LuaValue, value: LuaValue)] = []
        lua_pushnil(L)
        while lua_next(L, -2) != 0 {
            entries.append((stack.value(at: -2), stack.value(at: -1)))
            lua_settop(L, -2)
        }
        return entries
    }

    /// Whether the table carries the array marker (set on arrays that came from Swift).
    public func isMarkedArray(_ table: LuaTable) throws(LuaError) -> Bool {
        try checkOpen()
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        try stack.reserve(3)
        try stack.push(ref: table.ref)
        guard lua_getmetatable(L, -1) != 0 else { return false }
        lua_rawgetp(L, CLUA_REGISTRYINDEX, cl_array_marker_key())
        return lua_rawequal(L, -1, -2) != 0
    }

    /// An address that identifies a table, function or userdata (for cycle checks).
    public func identity(of value: LuaValue) throws(LuaError) -> UInt {
        try checkOpen()
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        try stack.reserve(1)
        try value.push(onto: stack)
        return UInt(bitPattern: lua_topointer(L, -1))
    }

    /// What Lua's `tostring` says of the value (metamethods included, protected).
    public func describe(_ value: LuaValue) throws(LuaError) -> String {
        guard case .function(let tostring) = try global("tostring") else {
            throw LuaError(.misuse, "this state has no tostring")
        }
        let result = try call(tostring, value)
        return result.first?.stringValue ?? ""
    }

    // MARK: Data

    /// The contents of a Lua value as data (arrays, objects, `null` ...).
    public func data(_ value: LuaValue, root: String = "value") throws(LuaError) -> DataValue {
        try checkOpen()
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        try stack.reserve(1)
        try value.push(onto: stack)
        return try stack.data(at: -1, root: root)
    }

    /// A new Lua table holding `value` (an array or an object).
    public func table(_ value: DataValue) throws(LuaError) -> LuaValue {
        try checkOpen()
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        try stack.push(data: value)
        return stack.value(at: -1)
    }

    // MARK: Swift functions and objects

    /// A Lua function that runs `body`. `name` is what error messages call it.
    public func function(_ name: String, _ body: @escaping LuaFunctionBody) throws(LuaError) -> LuaFunction {
        try checkOpen()
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        let box = SwiftFunctionBox(name: name, offset: 0, context: context, body: body)
        cl_push_swift_function(L, Unmanaged.passRetained(box).toOpaque())
        return LuaFunction(ref: stack.ref(at: -1))
    }

    /// Makes `body` the global function `name`.
    public func register(_ name: String, _ body: @escaping LuaFunctionBody) throws(LuaError) {
        try setGlobal(name, try function(name, body))
    }

    /// Registers how objects of a Swift class look in Lua; then `LuaObject(x)` pushes one.
    public func register<Object: AnyObject>(_ type: LuaObjectType<Object>) throws(LuaError) {
        try checkOpen()
        try type.install(in: stack)
    }

    /// How many parameters a function declares, and whether it takes more
    /// (`...`; a C function always may): whether an argument would reach it.
    public func parameters(of function: LuaFunction) throws(LuaError) -> (count: Int, variadic: Bool) {
        try checkOpen()
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        try stack.push(ref: function.ref)
        var info = lua_Debug()
        guard lua_getinfo(L, ">u", &info) != 0 else { return (0, true) }
        return (Int(info.nparams), info.isvararg != 0)
    }

    /// Whether objects of `Object` are registered in this state (`register(_:)`).
    public func isRegistered<Object: AnyObject>(_ type: Object.Type) -> Bool {
        context.objectTypeNames[ObjectIdentifier(type)] != nil
    }

    /// The Swift object held by a userdata value, if it is of type `Object` and not closed.
    public func object<Object: AnyObject>(_ value: LuaValue, as type: Object.Type = Object.self) throws(LuaError) -> Object? {
        try checkOpen()
        guard case .userdata(let ref) = value else { return nil }
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        try stack.push(ref: ref)
        var box: UnsafeMutableRawPointer?
        guard cl_check_swift_object(L, -1, LuaObjectType<Object>.key, &box) == 1 else { return nil }
        return Unmanaged<AnyObject>.fromOpaque(box!).takeUnretainedValue() as? Object
    }

    // MARK: Housekeeping

    /// Releases the refs that Swift dropped since the last call into Lua.
    public func collectReleasedRefs() {
        guard !isClosed else { return }
        context.refs.drain(L)
    }

    /// Runs a full garbage collection.
    public func collectGarbage() {
        guard !isClosed else { return }
        context.refs.drain(L)
        clua_gc(L, LUA_GCCOLLECT)
    }

    /// Refs released (on any thread) that the state has not unreffed yet: for leak checks.
    var pendingRefReleases: Int { context.refs.pendingReleases }

    /// Entries in the registry's array part (refs in use and free slots): for leak checks.
    var registryLength: Int {
        Int(lua_rawlen(L, CLUA_REGISTRYINDEX))
    }
}
