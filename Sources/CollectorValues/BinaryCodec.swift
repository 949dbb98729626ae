/// A compact binary form of `DataValue` that keeps everything JSON cannot:
/// NaN and infinities, `-0.0`, byte strings that are not UTF-8, integers
/// and floats apart, key order. The spool stores records in it.
///
/// One tag byte per value, then: nothing (null, false, true), 8 bytes
/// little-endian (integer, float bits), a varint length and the bytes
/// (string, bytes), a varint count and the elements (array), a varint count
/// and key/value pairs (object, keys as strings without a tag).
package enum BinaryCodec {
    package struct DecodingError: Error, CustomStringConvertible {
        package var description: String
    }

    private enum Tag: UInt8 {
        case null = 0, `false`, `true`, integer, double, string, bytes, array, object
    }

    /// Appends the encoding of `value` to `buffer`.
    package static func encode(_ value: DataValue, into buffer: inout [UInt8]) {
        switch value {
        case .null: buffer.append(Tag.null.rawValue)
        case .bool(let b): buffer.append(b ? Tag.true.rawValue : Tag.false.rawValue)
        case .integer(let i):
            buffer.append(Tag.integer.rawValue)
            appendFixed(UInt64(bitPattern: i), to: &buffer)
        case .double(let d):
            buffer.append(Tag.double.rawValue)
            appendFixed(d.bitPattern, to: &buffer)
        case .string(let s):
            buffer.append(Tag.string.rawValue)
            appendString(s, to: &buffer)
        case .bytes(let b):
            buffer.append(Tag.bytes.rawValue)
            appendVarint(UInt64(b.count), to: &buffer)
            buffer.append(contentsOf: b)
        case .array(let items):
            buffer.append(Tag.array.rawValue)
            appendVarint(UInt64(items.count), to: &buffer)
            for item in items { encode(item, into: &buffer) }
        case .object(let object):
            buffer.append(Tag.object.rawValue)
            appendVarint(UInt64(object.count), to: &buffer)
            for (key, item) in object {
                appendString(key, to: &buffer)
                encode(item, into: &buffer)
            }
        }
    }

    /// The value `encode` wrote, which must be all of `bytes`.
    /// - Throws: `DecodingError` for bytes `encode` could not have written (a damaged file).
    package static func decode(_ bytes: UnsafeRawBufferPointer) throws(DecodingError) -> DataValue {
        var reader = Reader(bytes: bytes)
        let value = try reader.value(depth: 0)
        guard reader.position == bytes.count else {
            throw DecodingError(description: "\(bytes.count - reader.position) bytes after the value")
        }
        return value
    }

    private static func appendFixed(_ value: UInt64, to buffer: inout [UInt8]) {
        for shift in stride(from: 0, to: 64, by: 8) { buffer.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    private static func appendVarint(_ value: UInt64, to buffer: inout [UInt8]) {
        var rest = value
        while rest >= 0x80 {
            buffer.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        buffer.append(UInt8(rest))
    }

    private static func appendString(_ string: String, to buffer: inout [UInt8]) {
        var string = string
        string.withUTF8 { utf8 in
            appendVarint(UInt64(utf8.count), to: &buffer)
            buffer.append(contentsOf: utf8)
        }
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var position = 0
        /// Deeper than any value Lua or the JSON reader can make: past it the bytes are damaged.
        static let maxDepth = 10_000

        mutating func value(depth: Int) throws(DecodingError) -> DataValue {
            guard depth < Self.maxDepth else { throw DecodingError(description: "values nested too deep") }
            let raw = try byte()
            guard let tag = Tag(rawValue: raw) else { throw DecodingError(description: "unknown tag \(raw) at byte \(position - 1)") }
            switch tag {
            case .null: return .null
            case .false: return .bool(false)
            case .true: return .bool(true)
            case .integer: return .integer(Int64(bitPattern: try fixed()))
            case .double: return .double(Double(bitPattern: try fixed()))
            case .string: return .string(try string())
            case .bytes:
                let count = try length()
                defer { position += count }
                return .bytes(Array(bytes[position..<position + count]))
            case .array:
                let count = try length()
                var items: [DataValue] = []
                items.reserveCapacity(count)
                for _ in 0..<count { items.append(try value(depth: depth + 1)) }
                return .array(items)
            case .object:
                let count = try length()
                var object = DataObject(minimumCapacity: count)
                for _ in 0..<count {
                    let key = try string()
                    // Written from a DataObject, so the keys are unique.
                    object.appendUnchecked(key: key, value: try value(depth: depth + 1))
                }
                return .object(object)
            }
        }

        private mutating func byte() throws(DecodingError) -> UInt8 {
            guard position < bytes.count else { throw DecodingError(description: "the value ends early") }
            defer { position += 1 }
            return bytes[position]
        }

        private mutating func fixed() throws(DecodingError) -> UInt64 {
            guard bytes.count - position >= 8 else { throw DecodingError(description: "the value ends early") }
            defer { position += 8 }
            return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self))
        }

        /// A varint that counts bytes or elements still to come (so it cannot exceed what is left).
        private mutating func length() throws(DecodingError) -> Int {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let next = try byte()
                guard shift < 64 else { throw DecodingError(description: "a length is too long") }
                value |= UInt64(next & 0x7F) << shift
                if next & 0x80 == 0 { break }
                shift += 7
            }
            guard value <= UInt64(bytes.count - position) else {
                throw DecodingError(description: "a length of \(value) runs past the end")
            }
            return Int(value)
        }

        private mutating func string() throws(DecodingError) -> String {
            let count = try length()
            defer { position += count }
            let slice = UnsafeRawBufferPointer(rebasing: bytes[position..<position + count])
            guard let text = UTF8Validation.string(slice.assumingMemoryBound(to: UInt8.self)) else {
                throw DecodingError(description: "a string that is not UTF-8 at byte \(position)")
            }
            return text
        }
    }
}
