/// Writes a `DataValue` as JSON text (RFC 8259), compact by default.
///
/// - Integers are written exactly; doubles in the shortest form that reads
///   back to the same bits (Swift's `description`: `1.0` stays `1.0`, so a
///   float stays a float; `1e+20`, `5e-324`, `-0.0`).
/// - NaN and ±infinity have no JSON form: writing one throws
///   `nonFiniteNumber`, naming where it is (`cannot encode NaN at $.reading.value`).
/// - `.bytes` (a string that is not UTF-8) has no JSON form either: it throws
///   `invalidString` with its path.
/// - Strings escape `"`, `\` and the control characters U+0000 to U+001F
///   (`\n`, `\t`, `\r`, `\b`, `\f`, the others as `\u00XX`); everything else,
///   `/` and non-ASCII included, is written as is.
/// - Object members keep their order, or with `sortedKeys` are sorted by the
///   UTF-8 bytes of their keys (which is code point order).
/// - `pretty` puts every element and member on its own line, indented by two
///   spaces a level, with `"key": value`; empty containers stay `[]` and `{}`.
/// - Values nested deeper than `maxDepth` (512 by default, as `JSONReader`)
///   throw `depthLimitExceeded` rather than risk the stack.
///
/// Paths in errors start at `$`, with `.key` for keys that are identifiers,
/// `["key"]` (JSON-escaped) for others, and `[3]` for array indices:
/// `$.tags[3].name`.
public struct JSONWriter: Sendable {
    public var sortedKeys: Bool
    public var pretty: Bool
    public var maxDepth: Int

    public init(sortedKeys: Bool = false, pretty: Bool = false, maxDepth: Int = DataNesting.maxDepth) {
        precondition(maxDepth >= 0, "maxDepth must not be negative")
        self.sortedKeys = sortedKeys
        self.pretty = pretty
        self.maxDepth = maxDepth
    }

    /// Appends the JSON text of `value` to `buffer`. On error the buffer is
    /// left as it was.
    public func write(_ value: DataValue, into buffer: inout [UInt8]) throws(JSONError) {
        // The text is built in a scratch buffer on the stack (on the heap once
        // it outgrows it), then appended in one copy: appending to an Array a
        // piece at a time costs a uniqueness and a capacity check a piece.
        let result = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) { stack in
            var output = JSONOutput(stack)
            do throws(WriteFailure) {
                try emit(value, into: &output, depth: 0)
            } catch {
                return Result<Void, JSONError>.failure(error.jsonError)
            }
            output.withBytes { buffer.append(contentsOf: $0) }
            return .success(())
        }
        try result.get()
    }

    /// The JSON text of `value` as UTF-8 bytes.
    public func bytes(_ value: DataValue) throws(JSONError) -> [UInt8] {
        var buffer: [UInt8] = []
        try write(value, into: &buffer)
        return buffer
    }

    /// The JSON text of `value`.
    public func string(_ value: DataValue) throws(JSONError) -> String {
        var buffer: [UInt8] = []
        try write(value, into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    // MARK: Values

    private func emit(_ value: DataValue, into buffer: inout JSONOutput, depth: Int) throws(WriteFailure) {
        switch value {
        case .null:
            Self.append("null", to: &buffer)
        case .bool(let flag):
            Self.append(flag ? "true" : "false", to: &buffer)
        case .integer(let integer):
            Self.appendInteger(integer, to: &buffer)
        case .double(let double):
            guard double.isFinite else {
                let name = double.isNaN ? "NaN" : double < 0 ? "-infinity" : "infinity"
                throw WriteFailure(kind: .nonFiniteNumber, message: "cannot encode \(name)")
            }
            Self.appendDouble(double, to: &buffer)
        case .string(let string):
            Self.appendString(string, to: &buffer)
        case .bytes:
            throw WriteFailure(kind: .invalidString, message: "cannot encode a string that is not valid UTF-8")
        case .array(let array):
            guard depth < maxDepth else { throw depthFailure() }
            guard !array.isEmpty else {
                Self.append("[]", to: &buffer)
                return
            }
            buffer.append(UInt8(ascii: "["))
            for i in array.indices {
                if i > 0 { buffer.append(UInt8(ascii: ",")) }
                if pretty { Self.newline(depth + 1, to: &buffer) }
                do throws(WriteFailure) {
                    try emit(array[i], into: &buffer, depth: depth + 1)
                } catch {
                    throw error.inside(.index(i))
                }
            }
            if pretty { Self.newline(depth, to: &buffer) }
            buffer.append(UInt8(ascii: "]"))
        case .object(let object):
            guard depth < maxDepth else { throw depthFailure() }
            guard !object.isEmpty else {
                Self.append("{}", to: &buffer)
                return
            }
            buffer.append(UInt8(ascii: "{"))
            if sortedKeys {
                let order = object.indices.sorted {
                    object[$0].key.utf8.lexicographicallyPrecedes(object[$1].key.utf8)
                }
                for (n, i) in order.enumerated() {
                    try emitMember(object[i], first: n == 0, into: &buffer, depth: depth)
                }
            } else {
                for i in object.indices {
                    try emitMember(object[i], first: i == 0, into: &buffer, depth: depth)
                }
            }
            if pretty { Self.newline(depth, to: &buffer) }
            buffer.append(UInt8(ascii: "}"))
        }
    }

    @inline(__always)
    private func emitMember(
        _ member: DataObject.Entry, first: Bool, into buffer: inout JSONOutput, depth: Int
    ) throws(WriteFailure) {
        if !first { buffer.append(UInt8(ascii: ",")) }
        if pretty { Self.newline(depth + 1, to: &buffer) }
        Self.appendString(member.key, to: &buffer)
        buffer.append(UInt8(ascii: ":"))
        if pretty { buffer.append(UInt8(ascii: " ")) }
        do throws(WriteFailure) {
            try emit(member.value, into: &buffer, depth: depth + 1)
        } catch {
            throw error.inside(.key(member.key))
        }
    }

    private func depthFailure() -> WriteFailure {
        WriteFailure(
            kind: .depthLimitExceeded, message: "nesting deeper than \(maxDepth) levels",
            detail: "arrays and objects may nest at most \(maxDepth) levels deep")
    }

    // MARK: Pieces

    @inline(__always)
    private static func append(_ text: StaticString, to buffer: inout JSONOutput) {
        buffer.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private static func newline(_ depth: Int, to buffer: inout JSONOutput) {
        buffer.append(UInt8(ascii: "\n"))
        for _ in 0..<2 * depth { buffer.append(UInt8(ascii: " ")) }
    }

    @inline(__always)
    static func appendUTF8(_ string: String, to buffer: inout JSONOutput) {
        if string.utf8.withContiguousStorageIfAvailable({ buffer.append(contentsOf: $0) }) == nil {
            var string = string
            string.withUTF8 { buffer.append(contentsOf: $0) }
        }
    }

    @inline(__always)
    static func appendInteger(_ integer: Int64, to buffer: inout JSONOutput) {
        if integer >= 0 && integer < 10 {
            buffer.append(UInt8(truncatingIfNeeded: integer) &+ UInt8(ascii: "0"))
            return
        }
        buffer.appendDecimal(integer)
    }

    @inline(__always)
    static func appendString(_ string: String, to buffer: inout JSONOutput) {
        if string.utf8.withContiguousStorageIfAvailable({ appendEscaped($0, to: &buffer) }) == nil {
            var string = string
            string.withUTF8 { appendEscaped($0, to: &buffer) }
        }
    }

    /// `"…"` with the escapes JSON requires; runs that need none are copied whole.
    static func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>, to buffer: inout JSONOutput) {
        buffer.append(UInt8(ascii: "\""))
        var run = 0
        for i in 0..<utf8.count {
            let byte = utf8[i]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            if i > run { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<i])) }
            run = i + 1
            buffer.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""): buffer.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\"))
            case 0x0A: buffer.append(UInt8(ascii: "n"))
            case 0x09: buffer.append(UInt8(ascii: "t"))
            case 0x0D: buffer.append(UInt8(ascii: "r"))
            case 0x08: buffer.append(UInt8(ascii: "b"))
            case 0x0C: buffer.append(UInt8(ascii: "f"))
            default:
                let hexDigits: StaticString = "0123456789abcdef"
                buffer.append(UInt8(ascii: "u"))
                buffer.append(UInt8(ascii: "0"))
                buffer.append(UInt8(ascii: "0"))
                buffer.append(hexDigits.utf8Start[Int(byte >> 4)])
                buffer.append(hexDigits.utf8Start[Int(byte & 0xF)])
            }
        }
        if utf8.count > run { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run...])) }
        buffer.append(UInt8(ascii: "\""))
    }
}

// MARK: - Output

/// Where the writer puts its bytes: a caller's scratch buffer first, then
/// memory of its own when that is full.
struct JSONOutput: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var count = 0
    private var capacity: Int
    private var ownsBase = false

    init(_ scratch: UnsafeMutableBufferPointer<UInt8>) {
        base = scratch.baseAddress!
        capacity = scratch.count
    }

    /// Memory of its own from the start, `capacity` bytes of it.
    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = UnsafeMutablePointer<UInt8>.allocate(capacity: self.capacity)
        ownsBase = true
    }

    var byteCount: Int { count }

    /// Forgets the bytes from `newCount` on (an undo to an earlier `byteCount`).
    mutating func truncate(to newCount: Int) {
        precondition(newCount >= 0 && newCount <= count, "truncate beyond the text")
        count = newCount
    }

    deinit {
        if ownsBase { base.deallocate() }
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        if count == capacity { grow(minimum: count + 1) }
        base[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        if capacity - count < bytes.count { grow(minimum: count + bytes.count) }
        (base + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    /// `bytes` between quotes, as they are (bytes with nothing to escape).
    @inline(__always)
    mutating func appendQuoted(_ bytes: UnsafeBufferPointer<UInt8>) {
        if capacity - count < bytes.count + 2 { grow(minimum: count + bytes.count + 2) }
        base[count] = UInt8(ascii: "\"")
        if let source = bytes.baseAddress { (base + count + 1).update(from: source, count: bytes.count) }
        base[count + 1 + bytes.count] = UInt8(ascii: "\"")
        count += bytes.count + 2
    }

    /// The decimal digits of `integer`, with a minus sign when negative.
    mutating func appendDecimal(_ integer: Int64) {
        var magnitude = integer.magnitude
        var digits = 1
        var rest = magnitude
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        let length = digits + (integer < 0 ? 1 : 0)
        if capacity - count < length { grow(minimum: count + length) }
        if integer < 0 { base[count] = UInt8(ascii: "-") }
        var position = base + count + length
        repeat {
            position -= 1
            position.pointee = UInt8(truncatingIfNeeded: magnitude % 10) &+ UInt8(ascii: "0")
            magnitude /= 10
        } while magnitude != 0
        count += length
    }

    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        body(UnsafeBufferPointer(start: base, count: count))
    }

    private mutating func grow(minimum: Int) {
        let newCapacity = max(minimum, 2 * capacity)
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        if ownsBase { base.deallocate() }
        base = newBase
        capacity = newCapacity
        ownsBase = true
    }
}

// MARK: - Errors with paths

/// A step of the path from the root to the value that failed.
enum JSONPathComponent: Sendable {
    case key(String)
    case index(Int)
}

/// A failure on its way up: each container adds its step as the error passes.
struct WriteFailure: Error {
    var kind: JSONError.Kind
    var message: String
    var detail: String? = nil
    /// From the failing value up to the root.
    var reversedPath: [JSONPathComponent] = []

    func inside(_ component: JSONPathComponent) -> WriteFailure {
        var failure = self
        failure.reversedPath.append(component)
        return failure
    }

    var jsonError: JSONError {
        JSONError(kind: kind, message: message, detail: detail, path: JSONWriter.path(reversedPath.reversed()))
    }
}

extension JSONWriter {
    /// `$.tags[3].name`; keys that are not identifiers as `$["a key"]`.
    static func path(_ components: some Sequence<JSONPathComponent>) -> String {
        var text = "$"
        for component in components {
            switch component {
            case .index(let i):
                text += "[\(i)]"
            case .key(let key):
                if isIdentifier(key) {
                    text += "." + key
                } else {
                    let quoted = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { scratch in
                        var output = JSONOutput(scratch)
                        appendString(key, to: &output)
                        return output.withBytes { String(decoding: $0, as: UTF8.self) }
                    }
                    text += "[" + quoted + "]"
                }
            }
        }
        return text
    }

    private static func isIdentifier(_ key: String) -> Bool {
        guard let first = key.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            return false
        }
        return key.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
                true
            default:
                false
            }
        }
    }
}
