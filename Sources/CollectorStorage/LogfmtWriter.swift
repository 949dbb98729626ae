import CollectorValues

/// Records as logfmt lines: `key=value` pairs separated by spaces, in the
/// record's field order.
///
/// - A string is bare when it can be read back as that string: not empty, no
///   space, `=`, `"`, backslash or control character in it, and not a word
///   or number that would read as another type (`null`, `true`, `false`,
///   `42`, `1.5`). Otherwise it is quoted, with `\"`, `\\`, `\n`, `\r`, `\t`
///   and `\u00XX` for the other control characters.
/// - `null`, booleans and numbers are written as JSON writes them (`1.0`
///   stays `1.0`).
/// - A nested object is flattened into dotted keys (`site.room=3`); an
///   array, and an empty object, is its compact JSON, quoted.
/// - A key keeps letters, digits and `_ . - / :`; any other character
///   becomes `_` (an empty key is `_`).
/// - A record that is not an object is written as `value=...`.
struct LogfmtWriter {
    private let json = JSONWriter()

    /// Appends the record's line (without the line end); the buffer is left
    /// as it was when the record cannot be written.
    func append(_ record: DataValue, to buffer: inout [UInt8]) throws(JSONError) {
        let start = buffer.count
        var first = true
        do throws(JSONError) {
            if case .object(let object) = record, !object.isEmpty {
                try appendFields(of: object, prefix: "", to: &buffer, first: &first)
            } else {
                try appendPair(key: "value", record, to: &buffer, first: &first)
            }
        } catch {
            buffer.removeSubrange(start...)
            throw error
        }
    }

    private func appendFields(of object: DataObject, prefix: String, to buffer: inout [UInt8], first: inout Bool) throws(JSONError) {
        for (key, value) in object {
            let name = prefix.isEmpty ? key : prefix + "." + key
            if case .object(let nested) = value, !nested.isEmpty {
                try appendFields(of: nested, prefix: name, to: &buffer, first: &first)
            } else {
                try appendPair(key: name, value, to: &buffer, first: &first)
            }
        }
    }

    private func appendPair(key: String, _ value: DataValue, to buffer: inout [UInt8], first: inout Bool) throws(JSONError) {
        if !first { buffer.append(UInt8(ascii: " ")) }
        first = false
        Self.appendKey(key, to: &buffer)
        buffer.append(UInt8(ascii: "="))
        switch value {
        case .string(let text):
            Self.appendString(text, to: &buffer)
        case .array, .object:
            Self.appendQuoted(try json.string(value), to: &buffer)
        default:
            try json.write(value, into: &buffer)
        }
    }

    private static func appendKey(_ key: String, to buffer: inout [UInt8]) {
        guard !key.isEmpty else {
            buffer.append(UInt8(ascii: "_"))
            return
        }
        for scalar in key.unicodeScalars {
            let allowed = scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "_.-/:".unicodeScalars.contains(scalar)
            if allowed {
                buffer.append(contentsOf: Array(String(scalar).utf8))
            } else {
                buffer.append(UInt8(ascii: "_"))
            }
        }
    }

    static func appendString(_ text: String, to buffer: inout [UInt8]) {
        if needsQuotes(text) {
            appendQuoted(text, to: &buffer)
        } else {
            buffer.append(contentsOf: text.utf8)
        }
    }

    private static func needsQuotes(_ text: String) -> Bool {
        if text.isEmpty || text == "null" || text == "true" || text == "false" || Double(text) != nil { return true }
        return text.utf8.contains { $0 <= 0x20 || $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 == 0x7F }
    }

    private static func appendQuoted(_ text: String, to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20, 0x7F:
                let hex = Array("0123456789abcdef".utf8)
                buffer.append(contentsOf: Array("\\u00".utf8))
                buffer.append(hex[Int(byte >> 4)])
                buffer.append(hex[Int(byte & 0xF)])
            default: buffer.append(byte)
            }
        }
        buffer.append(UInt8(ascii: "\""))
    }
}
