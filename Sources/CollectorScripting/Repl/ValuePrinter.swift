import CollectorValues
import LuaRuntime

/// Formats Lua values for people: nested tables indented, keys sorted,
/// depth and width limited, cycles marked, `null` and empty arrays shown as
/// such, engine objects and tables with a `__tostring` by what it gives.
public struct ValuePrinter {
    /// Tables nested deeper than this print as `{...}`.
    public var maxDepth = 6
    /// Entries past this many per table print as `... (N more)`.
    public var maxEntries = 50
    /// A table that fits on a line this wide stays on one line.
    public var lineWidth = 80
    /// Strings longer than this are cut, with the full length said.
    public var maxStringLength = 2000

    public init() {}

    /// One line per value, as `print` would separate them, but readable.
    public func format(_ values: [LuaValue], in lua: LuaState) -> String {
        values.map { format($0, in: lua) }.joined(separator: "\t")
    }

    public func format(_ value: LuaValue, in lua: LuaState) -> String {
        var open: [UInt] = []
        return render(value, in: lua, depth: 0, open: &open, indent: "")
    }

    private func render(_ value: LuaValue, in lua: LuaState, depth: Int, open: inout [UInt], indent: String) -> String {
        switch value {
        case .nil: return "nil"
        case .null: return "null"
        case .boolean(let b): return b ? "true" : "false"
        case .integer(let i): return String(i)
        case .number(let d): return formatFloat(d)
        case .string(let s): return quote(Array(s.utf8))
        case .bytes(let b): return quote(b)
        case .table(let table):
            // An object that says what it is (`__tostring`) prints as that, as `print` shows it.
            if let text = customText(of: value, in: lua) { return text }
            return renderTable(table, value, in: lua, depth: depth, open: &open, indent: indent)
        case .function, .userdata, .thread, .lightUserdata:
            return (try? lua.describe(value)) ?? value.typeName
        }
    }

    /// What the value's `__tostring` gives; nil without one, or when it fails or gives no string.
    private func customText(of value: LuaValue, in lua: LuaState) -> String? {
        guard let metatable = lua.metatable(of: value),
            case .function(let tostring)? = try? lua.get(metatable, "__tostring"),
            let result = try? lua.call(tostring, value).first
        else { return nil }
        switch result {
        case .string(let text): return text
        case .bytes(let bytes): return String(decoding: bytes, as: UTF8.self)
        default: return nil
        }
    }

    private func renderTable(
        _ table: LuaTable, _ value: LuaValue, in lua: LuaState, depth: Int, open: inout [UInt], indent: String
    ) -> String {
        guard let identity = try? lua.identity(of: value), let entries = try? lua.entries(of: table) else {
            return "<table>"
        }
        if open.contains(identity) { return "<cycle>" }
        if entries.isEmpty { return (try? lua.isMarkedArray(table)) == true ? "[]" : "{}" }
        if depth >= maxDepth { return "{...}" }
        open.append(identity)
        defer { open.removeLast() }

        let isSequence = entries.allSatisfy { if case .integer(let i) = $0.key { i >= 1 && i <= entries.count } else { false } }
        let sorted = entries.sorted { order($0.key, $1.key) }
        let shown = sorted.prefix(maxEntries)
        let inner = indent + "  "
        let items = shown.map { entry -> String in
            let rendered = render(entry.value, in: lua, depth: depth + 1, open: &open, indent: inner)
            return isSequence ? rendered : "\(key(entry.key, in: lua)) = \(rendered)"
        }
        var parts = items
        if sorted.count > shown.count { parts.append("... (\(sorted.count - shown.count) more)") }
        let oneLine = "{ " + parts.joined(separator: ", ") + " }"
        if oneLine.count + indent.count <= lineWidth && !oneLine.contains("\n") { return oneLine }
        return "{\n" + parts.map { inner + $0 }.joined(separator: ",\n") + "\n" + indent + "}"
    }

    private func key(_ key: LuaValue, in lua: LuaState) -> String {
        if case .string(let s) = key, isIdentifier(s) { return s }
        var open: [UInt] = []
        return "[" + render(key, in: lua, depth: maxDepth, open: &open, indent: "") + "]"
    }

    /// Numbers first (by value), then strings, then everything else (by type name).
    private func order(_ a: LuaValue, _ b: LuaValue) -> Bool {
        switch (a, b) {
        case (.integer(let x), .integer(let y)): return x < y
        case (.string(let x), .string(let y)): return x < y
        default:
            let (ra, rb) = (rank(a), rank(b))
            if ra != rb { return ra < rb }
            if let x = a.numberValue, let y = b.numberValue { return x < y }
            return a.typeName < b.typeName
        }
    }

    private func rank(_ value: LuaValue) -> Int {
        switch value {
        case .integer, .number: 0
        case .string, .bytes: 1
        case .boolean: 2
        default: 3
        }
    }

    private func isIdentifier(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else {
            return false
        }
        let keywords: Set<String> = [
            "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
            "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
        ]
        return !keywords.contains(s)
            && s.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    private func formatFloat(_ d: Double) -> String {
        if d.isNaN { return d.sign == .minus ? "-nan" : "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        // 3.0 prints as 3.0 (a float stays visibly a float), like Lua's own tostring.
        if d == d.rounded(), abs(d) < 1e16 {
            let integral = Int64(d)
            return d.sign == .minus && integral == 0 ? "-0.0" : "\(integral).0"
        }
        return "\(d)"
    }

    /// A Lua string literal: printable ASCII as is, escapes for the rest,
    /// cut when very long.
    private func quote(_ bytes: [UInt8]) -> String {
        var out = "\""
        let shown = bytes.prefix(maxStringLength)
        var utf8Run: [UInt8] = []
        func flush() {
            if !utf8Run.isEmpty { out += String(decoding: utf8Run, as: UTF8.self); utf8Run.removeAll() }
        }
        var i = shown.startIndex
        while i < shown.endIndex {
            let byte = shown[i]
            switch byte {
            case UInt8(ascii: "\""): flush(); out += "\\\""
            case UInt8(ascii: "\\"): flush(); out += "\\\\"
            case UInt8(ascii: "\n"): flush(); out += "\\n"
            case UInt8(ascii: "\t"): flush(); out += "\\t"
            case UInt8(ascii: "\r"): flush(); out += "\\r"
            case 0..<0x20, 0x7f: flush(); out += "\\\(byte)"
            case 0x80...:
                // Keep valid UTF-8 sequences readable; escape stray bytes.
                let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC2 ? 2 : 0
                let end = i + length
                if length > 0, end <= shown.endIndex,
                    Array(shown[i..<end]).withUnsafeBufferPointer({ UTF8Validation.isValid($0) })
                {
                    utf8Run.append(contentsOf: shown[i..<end])
                    i = end
                    continue
                }
                flush()
                out += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
            default: utf8Run.append(byte)
            }
            i += 1
        }
        flush()
        out += "\""
        if bytes.count > maxStringLength { out += "... (\(bytes.count) bytes)" }
        return out
    }
}
