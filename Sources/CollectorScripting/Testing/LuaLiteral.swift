import CollectorValues

/// A record value written as Lua source that a test file reads back as the
/// same value: integers stay integers (`1`) and floats floats (`1.0`),
/// `null` is `null`, empty arrays and objects say which they are
/// (`array()`, `json.object({})`), and strings keep every byte (what is not
/// printable is escaped).
enum LuaLiteral {
    static func source(_ value: DataValue) -> String {
        var text = ""
        write(value, to: &text)
        return text
    }

    static func write(_ value: DataValue, to text: inout String) {
        switch value {
        case .null: text += "null"
        case .bool(let flag): text += flag ? "true" : "false"
        case .integer(let n):
            // -9223372036854775808 would read as a float (its digits overflow before the minus applies).
            text += n == .min ? "math.mininteger" : String(n)
        case .double(let d): text += number(d)
        case .string(let s): text += quoted(Array(s.utf8), keepUTF8: true)
        case .bytes(let bytes): text += quoted(bytes, keepUTF8: false)
        case .array(let elements):
            if elements.isEmpty {
                text += "array()"
                return
            }
            text += "{ "
            for (index, element) in elements.enumerated() {
                if index > 0 { text += ", " }
                write(element, to: &text)
            }
            text += " }"
        case .object(let object):
            if object.isEmpty {
                text += "json.object({})"
                return
            }
            text += "{ "
            for (index, entry) in object.enumerated() {
                if index > 0 { text += ", " }
                text += key(entry.key)
                text += " = "
                write(entry.value, to: &text)
            }
            text += " }"
        }
    }

    /// A float Lua reads as a float: always with a point or an exponent.
    static func number(_ d: Double) -> String {
        if d.isNaN { return "(0 / 0)" }
        if d.isInfinite { return d > 0 ? "math.huge" : "-math.huge" }
        // Swift's description is the shortest text that reads back as the same double.
        let text = String(d)
        return text.contains(where: { $0 == "." || $0 == "e" }) ? text : text + ".0"
    }

    /// `name` when it is a Lua name, else `["..."]`.
    static func key(_ name: String) -> String {
        isName(name) ? name : "[" + quoted(Array(name.utf8), keepUTF8: true) + "]"
    }

    static func isName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(48...57).contains(first), !keywords.contains(name) else { return false }
        return name.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
    }

    /// A double-quoted Lua string of exactly these bytes. `keepUTF8`: the
    /// bytes are valid UTF-8, so letters beyond ASCII stay readable.
    static func quoted(_ bytes: [UInt8], keepUTF8: Bool) -> String {
        var out: [UInt8] = [34]
        out.reserveCapacity(bytes.count + 2)
        for byte in bytes {
            switch byte {
            case 34: out += [92, 34]  // \"
            case 92: out += [92, 92]  // \\
            case 10: out += [92, 110]  // \n
            case 13: out += [92, 114]  // \r
            case 9: out += [92, 116]  // \t
            case 32...126: out.append(byte)
            case 128...255 where keepUTF8: out.append(byte)
            default:
                // \xHH: always two digits, so a digit after it cannot join the escape.
                let hex = Array("0123456789ABCDEF".utf8)
                out += [92, 120, hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            }
        }
        out.append(34)
        return String(decoding: out, as: UTF8.self)
    }

    static let keywords: Set<String> = [
        "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in", "local", "nil",
        "not", "or", "repeat", "return", "then", "true", "until", "while",
    ]
}
