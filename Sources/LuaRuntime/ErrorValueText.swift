import CollectorValues

/// A table raised as an error (`error({ code = 42 })`), shown as a Lua
/// table constructor for messages: `{ code = 42, reason = "quota exceeded" }`.
/// Keys sorted, strings quoted, nesting and length bounded: a message says
/// what the value holds, the value itself travels beside it.
enum ErrorValueText {
    static let maxLength = 512
    static let maxDepth = 4

    static func render(_ value: DataValue) -> String {
        var text = ""
        append(value, depth: 0, to: &text)
        if text.utf8.count > maxLength {
            var cut = text.utf8.index(text.utf8.startIndex, offsetBy: maxLength)
            while cut.samePosition(in: text.unicodeScalars) == nil { cut = text.utf8.index(before: cut) }
            text = String(text.unicodeScalars[..<cut]) + " ..."
        }
        return text
    }

    private static func append(_ value: DataValue, depth: Int, to text: inout String) {
        // Past the bound the rest is cut anyway: stop walking.
        guard text.utf8.count <= maxLength else { return }
        switch value {
        case .null: text += "json.null"
        case .bool(let b): text += b ? "true" : "false"
        case .integer(let i): text += String(i)
        case .double(let d): text += "\(d)"
        case .string(let s): quote(s, to: &text)
        case .bytes(let b): quote(String(decoding: b, as: UTF8.self), to: &text)
        case .array(let elements):
            guard !elements.isEmpty else { text += "{}"; return }
            guard depth < maxDepth else { text += "{...}"; return }
            text += "{ "
            for (i, element) in elements.enumerated() {
                if i > 0 { text += ", " }
                append(element, depth: depth + 1, to: &text)
                if text.utf8.count > maxLength { return }
            }
            text += " }"
        case .object(let object):
            guard !object.isEmpty else { text += "{}"; return }
            guard depth < maxDepth else { text += "{...}"; return }
            text += "{ "
            let entries = object.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            for (i, entry) in entries.enumerated() {
                if i > 0 { text += ", " }
                if isIdentifier(entry.key) { text += entry.key } else { text += "["; quote(entry.key, to: &text); text += "]" }
                text += " = "
                append(entry.value, depth: depth + 1, to: &text)
                if text.utf8.count > maxLength { return }
            }
            text += " }"
        }
    }

    private static func quote(_ string: String, to text: inout String) {
        text += "\""
        for scalar in string.unicodeScalars.prefix(maxLength) {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            default:
                if scalar.value < 0x20 { text += "\\\(scalar.value)" } else { text.unicodeScalars.append(scalar) }
            }
        }
        text += "\""
    }

    private static let keywords: Set<String> = [
        "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
        "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
    ]

    private static func isIdentifier(_ key: String) -> Bool {
        guard let first = key.utf8.first, !(first >= 48 && first <= 57), !keywords.contains(key) else { return false }
        return key.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 95 }
    }
}
