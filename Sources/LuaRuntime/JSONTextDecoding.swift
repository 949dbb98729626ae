import CLua
import CLuaSupport
import CollectorValues

/// JSON text that is pushed onto Lua's stack as the value it denotes: the
/// text is decoded straight into Lua tables, with no `DataValue` between.
/// The result is the same as pushing `JSONReader().read(bytes)`: arrays carry
/// the array marker, empty objects the object marker, `null` is the sentinel,
/// integers stay integers. Invalid JSON fails the push with a `.conversion`
/// error whose `underlyingError` is the `JSONError` (with its byte offset).
public struct JSONText: LuaPushable {
    public var bytes: ArraySlice<UInt8>

    public init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
    }

    public func push(onto stack: LuaStack) throws(LuaError) {
        try stack.push(json: bytes)
    }
}

extension LuaStack {
    /// Decodes JSON text onto the stack (one value), or throws with the stack as it was.
    func push(json bytes: ArraySlice<UInt8>) throws(LuaError) {
        let top = lua_gettop(L)
        let decoder = context.jsonDecoder(for: L)
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(JSONError) in
                try JSONReader(maxDepth: context.options.maxDataDepth).read(raw, into: decoder)
            }
        }
        decoder.reset()
        if case .failure(let error) = result {
            lua_settop(L, top)
            throw LuaError(.conversion, "invalid JSON: \(error.description)", underlyingError: error)
        }
    }
}

extension LuaContext {
    /// The state's JSON decoder, made on first use (one per state: decoding runs on the state's thread).
    func jsonDecoder(for L: OpaquePointer) -> LuaJSONDecoder {
        if let decoder = jsonDecoderCache { return decoder }
        let decoder = LuaJSONDecoder(L)
        jsonDecoderCache = decoder
        return decoder
    }
}

/// Builds Lua values from the JSON reader's events, on the Lua stack.
///
/// Open containers sit on the stack (an object's pending key above it), so
/// the stack grows by at most two slots a level; the reader's depth limit
/// (the state's `maxDataDepth`) bounds it. Only raw, non-raising API calls
/// are used; memory is never refused while Swift runs (see `cl_alloc`).
final class LuaJSONDecoder: JSONHandler {
    private let L: OpaquePointer
    /// Elements so far of each open container (members for objects), as a
    /// plain buffer: a class's array property would pay an exclusivity
    /// check on every change, several times per record.
    private var counts: UnsafeMutablePointer<lua_Integer>
    /// The size of the last container closed at each depth: records of a
    /// stream share their shape, so it sizes the next one's table (no
    /// rehash as its fields arrive). Beside `counts`, for the same reason.
    private var sizes: UnsafeMutablePointer<Int32>
    private var capacity = 16
    private var depth = 0

    init(_ L: OpaquePointer) {
        self.L = L
        counts = .allocate(capacity: capacity)
        sizes = .allocate(capacity: capacity)
        sizes.initialize(repeating: 0, count: capacity)
    }

    deinit {
        counts.deallocate()
        sizes.deallocate()
    }

    /// Forgets open containers after a failed read.
    func reset() { depth = 0 }

    private func open() {
        if depth == capacity {
            let grown = UnsafeMutablePointer<lua_Integer>.allocate(capacity: capacity * 2)
            grown.update(from: counts, count: depth)
            counts.deallocate()
            counts = grown
            let grownSizes = UnsafeMutablePointer<Int32>.allocate(capacity: capacity * 2)
            grownSizes.update(from: sizes, count: capacity)
            (grownSizes + capacity).initialize(repeating: 0, count: capacity)
            sizes.deallocate()
            sizes = grownSizes
            capacity *= 2
        }
        counts[depth] = 0
        depth += 1
    }

    func null() { lua_pushlightuserdata(L, cl_null_sentinel()) }
    func bool(_ value: Bool) { lua_pushboolean(L, value ? 1 : 0) }
    func integer(_ value: Int64) { lua_pushinteger(L, value) }
    func double(_ value: Double) { lua_pushnumber(L, value) }

    func string(_ bytes: UnsafeBufferPointer<UInt8>) {
        _ = lua_pushlstring(L, UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self), bytes.count)
    }

    func beginObject() {
        _ = lua_checkstack(L, 4)
        lua_createtable(L, 0, expectedSize())
        open()
    }

    func key(_ bytes: UnsafeBufferPointer<UInt8>) { string(bytes) }

    func endMember() {
        lua_rawset(L, -3)
        counts[depth - 1] += 1
    }

    func endObject() {
        depth -= 1
        remember()
        if counts[depth] == 0 { setMarker(cl_object_marker_key()) }
    }

    func beginArray() {
        _ = lua_checkstack(L, 4)
        lua_createtable(L, expectedSize(), 0)
        open()
    }

    func endElement() {
        counts[depth - 1] += 1
        lua_rawseti(L, -2, counts[depth - 1])
    }

    func endArray() {
        depth -= 1
        remember()
        setMarker(cl_array_marker_key())
    }

    /// The size to make the container opening at this depth: the last one's
    /// (at most 64: a larger one grows as it fills), at least 8 for a record.
    /// Called before `open()`: a depth not reached before has no size yet.
    private func expectedSize() -> Int32 {
        guard depth < capacity else { return 0 }
        return depth == 0 ? max(sizes[0], 8) : sizes[depth]
    }

    /// Notes the size of the container just closed (at `depth`).
    private func remember() {
        sizes[depth] = Int32(min(counts[depth], 64))
    }

    private func setMarker(_ key: UnsafeRawPointer) {
        lua_rawgetp(L, CLUA_REGISTRYINDEX, key)
        lua_setmetatable(L, -2)
    }
}
