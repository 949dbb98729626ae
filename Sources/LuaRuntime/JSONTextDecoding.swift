import CLua
import CLuaSupport
import CollectorValues

/// JSON text that is pushed onto Lua's stack as the value it denotes: the
/// text is decoded straight into Lua tables, with no `DataValue` between.
/// The result is the same as pushing `JSONReader().read(bytes)`: arrays carry
/// the array marker, empty objects the object marker, `null` is the sentinel,
/// integers stay integers. Invalid JSON fails the push with a `.conversion`
/// error whose `underlyingError` is the `JSONError` (with its byte offset).
/// The decode runs under the state's memory cap and within the Lua stack:
/// past either it stops with a `.memory` or `.runtime` error, the stack as
/// it was.
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
    /// Decodes JSON text onto this stack (one value), or throws with the stack as it was.
    func push(json bytes: ArraySlice<UInt8>) throws(LuaError) {
        let top = lua_gettop(L)
        // The decoder is taken out of the context while it runs: code that
        // runs during the decode (a `__gc` finalizer calling `json.decode`)
        // finds none there and gets a fresh one, never this one mid-document.
        let decoder = context.jsonDecoderCache.take() ?? LuaJSONDecoder()
        let runtime = context.runtime.pointer
        // Garbage left by a decode that was stopped would count against this one.
        if runtime.pointee.limit != 0 && runtime.pointee.used > runtime.pointee.limit {
            _ = clua_gc(L, LUA_GCCOLLECT)
        }
        decoder.begin(on: L, runtime: runtime)
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(JSONError) in
                try JSONReader(maxDepth: context.options.maxDataDepth).read(raw, into: decoder)
            }
        }
        let stop = decoder.end()
        if context.jsonDecoderCache == nil { context.jsonDecoderCache = decoder }
        guard case .failure(let error) = result else { return }
        lua_settop(L, top)
        switch stop {
        case .memory(let limit):
            // What was built so far is garbage now; give it back before Lua runs again.
            _ = clua_gc(L, LUA_GCCOLLECT)
            throw LuaError(
                .memory,
                "not enough memory: decoding JSON input reached the memory limit (\(ByteCount.text(limit)))\(error.description.dropFirst(error.message.count))",
                underlyingError: error)
        case .stack:
            throw LuaError(.runtime, "stack overflow: \(error.description)", underlyingError: error)
        case nil:
            throw LuaError(.conversion, "invalid JSON: \(error.description)", underlyingError: error)
        }
    }
}

/// Builds Lua values from the JSON reader's events, on the stack of the
/// thread it was begun on.
///
/// Open containers sit on the stack (an object's pending key above it), so
/// the stack grows by at most two slots a level; each container checks for
/// room before it opens, and the reader's depth limit bounds the whole.
/// Only raw, non-raising API calls are used. Swift runs with the allocator's
/// cap suspended (see `cl_alloc`), so the decoder keeps the cap itself: it
/// reads the state's counters as it goes and stops the read once over.
final class LuaJSONDecoder: JSONHandler {
    /// Why a read was stopped, besides invalid JSON.
    enum Stop {
        case memory(limit: Int)
        case stack
    }

    private var L: OpaquePointer?
    private var runtime: UnsafeMutablePointer<cl_runtime>?
    /// The state's cap in bytes, 0 for none (read once per document).
    private var limit = 0
    private var stop: Stop?
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

    init() {
        counts = .allocate(capacity: capacity)
        sizes = .allocate(capacity: capacity)
        sizes.initialize(repeating: 0, count: capacity)
    }

    deinit {
        counts.deallocate()
        sizes.deallocate()
    }

    /// Starts a document on `L`'s stack, the caller's thread.
    func begin(on L: OpaquePointer, runtime: UnsafeMutablePointer<cl_runtime>) {
        self.L = L
        self.runtime = runtime
        limit = Int(runtime.pointee.limit)
        depth = 0
        stop = nil
    }

    /// Ends the document (complete or not): why it was stopped, if it was.
    func end() -> Stop? {
        L = nil
        runtime = nil
        depth = 0
        return stop
    }

    @inline(__always)
    private var state: OpaquePointer { L.unsafelyUnwrapped }

    /// Stops the read when the state holds more than its cap.
    @inline(__always)
    private func checkMemory() throws(JSONError) {
        guard limit != 0, Int(runtime.unsafelyUnwrapped.pointee.used) > limit else { return }
        stop = .memory(limit: limit)
        throw JSONError.stopped("memory limit of \(ByteCount.text(limit)) reached")
    }

    /// Makes room for a container, its pending key and value, and a marker.
    @inline(__always)
    private func reserve() throws(JSONError) {
        guard lua_checkstack(state, 4) != 0 else {
            stop = .stack
            throw JSONError.stopped("the Lua stack cannot grow", detail: "the value nests too deep for the calls already running")
        }
    }

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

    // A scalar takes the slot `reserve()` of its container (or the caller,
    // for a top-level value) made room for.
    func null() { lua_pushlightuserdata(state, cl_null_sentinel()) }
    func bool(_ value: Bool) { lua_pushboolean(state, value ? 1 : 0) }
    func integer(_ value: Int64) { lua_pushinteger(state, value) }
    func double(_ value: Double) { lua_pushnumber(state, value) }

    func string(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONError) {
        _ = lua_pushlstring(state, UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self), bytes.count)
        try checkMemory()
    }

    func beginObject() throws(JSONError) {
        try reserve()
        try checkMemory()
        lua_createtable(state, 0, expectedSize())
        open()
    }

    func key(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONError) { try string(bytes) }

    func endMember() throws(JSONError) {
        lua_rawset(state, -3)
        counts[depth - 1] += 1
        try checkMemory()
    }

    func endObject() {
        depth -= 1
        remember()
        if counts[depth] == 0 { setMarker(cl_object_marker_key()) }
    }

    func beginArray() throws(JSONError) {
        try reserve()
        try checkMemory()
        lua_createtable(state, expectedSize(), 0)
        open()
    }

    func endElement() throws(JSONError) {
        counts[depth - 1] += 1
        lua_rawseti(state, -2, counts[depth - 1])
        try checkMemory()
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
        lua_rawgetp(state, CLUA_REGISTRYINDEX, key)
        lua_setmetatable(state, -2)
    }
}
