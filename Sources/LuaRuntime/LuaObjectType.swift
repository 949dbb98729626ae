import CLua
import CLuaSupport
import CollectorValues

/// How a Swift class appears in Lua: a userdata with methods, properties
/// and a `__tostring`. Lua holds a strong reference to each object it is
/// given and releases it when the userdata is collected (or closed).
public final class LuaObjectType<Object: AnyObject> {
    public typealias Method = (Object, LuaCall) throws -> Int

    public let name: String
    var methods: [(String, Method)] = []
    var properties: [String: (Object) throws -> DataValue] = [:]
    var describe: ((Object) -> String)?
    var lookup: ((Object, String) throws -> DataValue?)?
    var listing: ((Object) throws -> DataObject)?
    var refusal: ((String) -> String)?

    /// The registry key of the type's metatable.
    static var key: UnsafeRawPointer { unsafeBitCast(Object.self as AnyObject.Type, to: UnsafeRawPointer.self) }

    public init(name: String, _ build: (LuaObjectType) -> Void = { _ in }) {
        self.name = name
        build(self)
    }

    /// A method, called as `object:name(...)`; the call's arguments exclude `self`.
    public func method(_ name: String, _ body: @escaping Method) {
        methods.append((name, body))
    }

    /// A read-only field, `object.name`.
    public func property(_ name: String, _ get: @escaping (Object) throws -> DataValue) {
        properties[name] = get
    }

    /// Fields by name beyond the properties, `object.key` for any key (nil
    /// answers nil), and what `pairs(object)` walks: a snapshot of them all.
    public func fields(
        _ lookup: @escaping (Object, String) throws -> DataValue?, all: @escaping (Object) throws -> DataObject
    ) {
        self.lookup = lookup
        listing = all
    }

    /// Assigning `object.key = ...` raises the message `refuse(key)` gives
    /// (without it, Lua's own "attempt to index a userdata value").
    public func readOnly(_ refuse: @escaping (String) -> String) {
        refusal = refuse
    }

    /// What `tostring(object)` says.
    public func description(_ body: @escaping (Object) -> String) {
        describe = body
    }

    /// Builds the metatable in `state` (registry, keyed by the Swift type).
    func install(in stack: LuaStack) throws(LuaError) {
        let L = stack.L
        let context = stack.context
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        try stack.reserve(8)
        context.objectTypeNames[ObjectIdentifier(Object.self)] = name
        cl_new_object_metatable(L, Self.key, name)
        let metatable = lua_gettop(L)

        lua_createtable(L, 0, Int32(methods.count))
        let methodTable = lua_gettop(L)
        for (methodName, body) in methods {
            pushFunction(stack, name: methodName) { call in
                try body(try call.object(0, as: Object.self), call)
            }
            lua_setfield(L, methodTable, methodName)
        }
        // What the object answers, for tools that list it (the REPL's completion):
        // `__index` may be a function, which cannot be listed.
        lua_pushvalue(L, methodTable)
        lua_setfield(L, metatable, "__methods")
        lua_createtable(L, 0, Int32(properties.count))
        for propertyName in properties.keys {
            lua_pushboolean(L, 1)
            lua_setfield(L, -2, propertyName)
        }
        lua_setfield(L, metatable, "__properties")
        if properties.isEmpty && lookup == nil {
            lua_pushvalue(L, methodTable)
        } else {
            // __index(self, key): methods first, then properties, then fields.
            let properties = self.properties
            let lookup = self.lookup
            let methodsRef = stack.ref(at: methodTable)
            pushFunction(stack, name: "__index") { call in
                let object = try call.object(0, as: Object.self)
                guard call.stack.type(at: 2) == LUA_TSTRING else {
                    try call.push(LuaValue.nil)
                    return 1
                }
                let key = try call.string(1)
                if let get = properties[key] {
                    try call.push(data: try get(object))
                    return 1
                }
                try call.stack.push(ref: methodsRef)
                call.stack.push(string: key)
                if lua_rawget(call.stack.L, -2) == LUA_TNIL, let lookup, let value = try lookup(object, key) {
                    try call.push(data: value)
                }
                return 1
            }
        }
        lua_setfield(L, metatable, "__index")

        if let refusal {
            pushFunction(stack, name: "__newindex") { call in
                let key = call.stack.type(at: 2) == LUA_TSTRING ? try call.string(1) : "[\(call.stack.typeName(at: 2))]"
                throw LuaCallError(refusal(key))
            }
            lua_setfield(L, metatable, "__newindex")
        }

        if let listing {
            // pairs(object): Lua's own `next` over a snapshot table of the fields.
            lua_rawgeti(L, CLUA_REGISTRYINDEX, lua_Integer(CLUA_RIDX_GLOBALS))
            lua_pushstring(L, "next")
            lua_rawget(L, -2)
            let nextRef = stack.ref(at: -1)
            lua_settop(L, -3)
            pushFunction(stack, name: "__pairs") { call in
                let object = try call.object(0, as: Object.self)
                try call.stack.reserve(3)
                try call.stack.push(ref: nextRef)
                try call.push(data: .object(try listing(object)))
                try call.push(LuaValue.nil)
                return 3
            }
            lua_setfield(L, metatable, "__pairs")
        }

        let typeName = name
        let describe = self.describe
        pushFunction(stack, name: "__tostring") { call in
            var box: UnsafeMutableRawPointer?
            if cl_check_swift_object(call.stack.L, 1, Self.key, &box) == 2 {
                try call.push("\(typeName) (closed)")
            } else {
                let object = try call.object(0, as: Object.self)
                try call.push(describe?(object) ?? typeName)
            }
            return 1
        }
        lua_setfield(L, metatable, "__tostring")
    }

    private func pushFunction(_ stack: LuaStack, name: String, _ body: @escaping LuaFunctionBody) {
        let box = SwiftFunctionBox(name: name, offset: 1, context: stack.context, body: body)
        cl_push_swift_function(stack.L, Unmanaged.passRetained(box).toOpaque())
    }
}

/// A Swift object on its way into Lua, as a userdata of its registered type.
public struct LuaObject<Object: AnyObject>: LuaPushable {
    public let object: Object

    public init(_ object: Object) { self.object = object }

    public func push(onto stack: LuaStack) throws(LuaError) {
        guard stack.context.objectTypeNames[ObjectIdentifier(Object.self)] != nil else {
            throw LuaError(.misuse, "\(Object.self) is not registered in this state (LuaState.register(_:))")
        }
        cl_push_swift_object(stack.L, Unmanaged.passRetained(object as AnyObject).toOpaque(), LuaObjectType<Object>.key)
    }
}
