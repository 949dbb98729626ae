import CLua
import CLuaSupport
import CollectorValues

/// What an empty table (one without an array or object marker) becomes in Swift.
public enum EmptyTableKind: Sendable {
    case object
    case array
}

// Records cross the boundary here: DataValue <-> Lua tables, directly, with
// no intermediate objects. The path of a failure is assembled only when a
// failure happens (each level adds its step as the error passes through).

extension LuaStack {
    /// Pushes `value`; arrays (and empty objects) get the marker metatable
    /// that keeps their kind on the way back.
    func push(data value: DataValue) throws(LuaError) {
        let runtime = context.runtime.pointer
        // Garbage of an earlier conversion that was stopped would count against this one.
        if runtime.pointee.limit != 0 && runtime.pointee.used > runtime.pointee.limit {
            _ = clua_gc(L, LUA_GCCOLLECT)
        }
        do {
            try push(data: value, depth: 0)
        } catch {
            if error.kind == .memory { _ = clua_gc(L, LUA_GCCOLLECT) }
            throw error
        }
    }

    /// Swift runs with the allocator's cap suspended (see `cl_alloc`): a
    /// conversion keeps the cap itself, checked at each container.
    private func checkMemory(adding bytes: Int = 0) throws(LuaError) {
        let runtime = context.runtime.pointer
        let limit = Int(runtime.pointee.limit)
        guard limit != 0, Int(runtime.pointee.used) &+ bytes > limit else { return }
        throw LuaError(.memory, "not enough memory: converting a value into Lua reached the memory limit (\(ByteCount.text(limit)))")
    }

    private func push(data value: DataValue, depth: Int) throws(LuaError) {
        try reserve(4)
        switch value {
        case .null: pushNull()
        case .bool(let b): push(boolean: b)
        case .integer(let i): push(integer: i)
        case .double(let d): push(number: d)
        case .string(let s): push(string: s)
        case .bytes(let b): b.withUnsafeBytes { push(bytes: $0) }
        case .array(let elements):
            try checkPushDepth(depth)
            try checkMemory(adding: elements.count &* 16)
            lua_createtable(L, Int32(clamping: elements.count), 0)
            for (i, element) in elements.enumerated() {
                try push(data: element, depth: depth + 1)
                lua_rawseti(L, -2, lua_Integer(i + 1))
                try checkMemory()
            }
            setMarker(cl_array_marker_key())
        case .object(let object):
            try checkPushDepth(depth)
            try checkMemory(adding: object.count &* 32)
            lua_createtable(L, 0, Int32(clamping: object.count))
            for (key, element) in object {
                push(string: key)
                try push(data: element, depth: depth + 1)
                lua_rawset(L, -3)
                try checkMemory()
            }
            if object.isEmpty { setMarker(cl_object_marker_key()) }
        }
    }

    /// Data in Swift has passed the limit on its way in (JSON read, tables
    /// converted), so here the limit only guards the recursion: the engine
    /// may wrap records in a few levels of its own (a list of query
    /// results, `collect()`'s envelope) and they still cross.
    private func checkPushDepth(_ depth: Int) throws(LuaError) {
        let limit = context.options.maxDataDepth
        if depth >= limit + Self.envelopeLevels {
            throw LuaError(.conversion, "cannot convert value: nested deeper than \(limit) levels")
        }
    }

    /// Levels the engine may add around records it hands to Lua.
    private static let envelopeLevels = 8

    private func setMarker(_ key: UnsafeRawPointer) {
        lua_rawgetp(L, CLUA_REGISTRYINDEX, key)
        lua_setmetatable(L, -2)
    }

    /// The value at `index` as data. `nil` and `null` become `.null`;
    /// `root` names the value in error messages (`record.tags[3]`).
    func data(at index: Int32, root: String = "value") throws(LuaError) -> DataValue {
        let absolute = lua_absindex(L, index)
        // Borrow the context's scratch list of open tables: no allocation per record.
        var ancestors: [UnsafeRawPointer] = []
        swap(&ancestors, &context.ancestorScratch)
        defer {
            ancestors.removeAll(keepingCapacity: true)
            swap(&ancestors, &context.ancestorScratch)
        }
        do {
            return try data(at: absolute, depth: 0, ancestors: &ancestors)
        } catch {
            throw LuaError(.conversion, error.message(root: root))
        }
    }

    private func data(
        at index: Int32, depth: Int, ancestors: inout [UnsafeRawPointer]
    ) throws(ConversionFailure) -> DataValue {
        switch lua_type(L, index) {
        case LUA_TNIL: return .null
        case LUA_TBOOLEAN: return .bool(lua_toboolean(L, index) != 0)
        case LUA_TNUMBER:
            return lua_isinteger(L, index) != 0
                ? .integer(lua_tointegerx(L, index, nil)) : .double(lua_tonumberx(L, index, nil))
        case LUA_TSTRING:
            var length = 0
            let pointer = lua_tolstring(L, index, &length)!
            let buffer = UnsafeRawBufferPointer(start: pointer, count: length).bindMemory(to: UInt8.self)
            if let string = UTF8Validation.string(buffer) { return .string(string) }
            return .bytes(Array(buffer))
        case LUA_TTABLE:
            return try table(at: index, depth: depth, ancestors: &ancestors)
        case LUA_TLIGHTUSERDATA where lua_touserdata(L, index) == cl_null_sentinel():
            return .null
        case LUA_TUSERDATA where hostError(at: index) != nil:
            return .string(hostError(at: index)!.message)
        default:
            throw ConversionFailure("cannot convert a \(typeName(at: index)) to data")
        }
    }

    private func table(
        at index: Int32, depth: Int, ancestors: inout [UnsafeRawPointer]
    ) throws(ConversionFailure) -> DataValue {
        guard depth < context.options.maxDataDepth else {
            throw ConversionFailure("nested deeper than \(context.options.maxDataDepth) levels")
        }
        let identity = lua_topointer(L, index)!
        if ancestors.contains(identity) {
            throw ConversionFailure("a table that contains itself (a cycle)")
        }
        guard lua_checkstack(L, 4) != 0 else { throw ConversionFailure("Lua stack exhausted") }
        ancestors.append(identity)
        defer { ancestors.removeLast() }

        var object = DataObject(minimumCapacity: 8)
        var integerKeys = 0
        var maxKey: lua_Integer = 0
        lua_pushnil(L)
        while lua_next(L, index) != 0 {
            // key at -2, value at -1
            switch lua_type(L, -2) {
            case LUA_TSTRING where integerKeys == 0:
                guard let key = string(at: -2) else {
                    lua_settop(L, -3)
                    throw ConversionFailure("a key that is not valid UTF-8")
                }
                do {
                    object.appendUnchecked(key: key, value: try data(at: lua_gettop(L), depth: depth + 1, ancestors: &ancestors))
                } catch {
                    lua_settop(L, -3)
                    throw error.adding(.field(key))
                }
            case LUA_TNUMBER where object.isEmpty && lua_isinteger(L, -2) != 0:
                let key = lua_tointegerx(L, -2, nil)
                guard key >= 1 else {
                    lua_settop(L, -3)
                    throw ConversionFailure("an array index \(key) (arrays start at 1)")
                }
                integerKeys += 1
                maxKey = max(maxKey, key)
            case LUA_TSTRING:
                lua_settop(L, -3)
                throw ConversionFailure("a table with both array items and named fields")
            case LUA_TNUMBER where lua_isinteger(L, -2) != 0:
                lua_settop(L, -3)
                throw ConversionFailure("a table with both array items and named fields")
            default:
                let keyType = typeName(at: -2)
                lua_settop(L, -3)
                throw ConversionFailure("a table key of type \(keyType) (only strings and array indices convert)")
            }
            lua_settop(L, -2)  // pop the value, keep the key for lua_next
        }
        if integerKeys > 0 {
            guard maxKey == lua_Integer(integerKeys) else {
                throw ConversionFailure("a sparse array (\(integerKeys) items, highest index \(maxKey))")
            }
            var elements: [DataValue] = []
            elements.reserveCapacity(integerKeys)
            for i in 1...maxKey {
                lua_rawgeti(L, index, i)
                do {
                    elements.append(try data(at: lua_gettop(L), depth: depth + 1, ancestors: &ancestors))
                } catch {
                    lua_settop(L, -2)
                    throw error.adding(.index(Int(i)))
                }
                lua_settop(L, -2)
            }
            return .array(elements)
        }
        if object.isEmpty, emptyKind(at: index) == .array { return .array([]) }
        return .object(object)
    }

    /// The kind an empty table's marker chooses, or the state's default.
    func emptyKind(at index: Int32) -> EmptyTableKind {
        guard lua_getmetatable(L, index) != 0 else { return context.options.emptyTable }
        defer { lua_settop(L, -3) }
        lua_rawgetp(L, CLUA_REGISTRYINDEX, cl_array_marker_key())
        if lua_rawequal(L, -1, -2) != 0 { return .array }
        lua_settop(L, -2)
        lua_rawgetp(L, CLUA_REGISTRYINDEX, cl_object_marker_key())
        if lua_rawequal(L, -1, -2) != 0 { return .object }
        return context.options.emptyTable
    }
}

/// A conversion failure on its way up, collecting the path as it goes.
struct ConversionFailure: Error {
    enum Step {
        case field(String)
        case index(Int)
    }

    var reason: String
    var steps: [Step] = []  // innermost first

    init(_ reason: String) { self.reason = reason }

    func adding(_ step: Step) -> ConversionFailure {
        var copy = self
        copy.steps.append(step)
        return copy
    }

    func message(root: String) -> String {
        var path = root
        for step in steps.reversed() {
            switch step {
            case .index(let i): path += "[\(i)]"
            case .field(let name):
                let isIdentifier = name.first.map { $0 == "_" || $0.isLetter } ?? false
                    && name.allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber }
                path += isIdentifier ? ".\(name)" : "[\"\(name)\"]"
            }
        }
        return "cannot convert \(path): \(reason)"
    }
}
