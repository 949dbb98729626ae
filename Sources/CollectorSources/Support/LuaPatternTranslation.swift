/// A Lua pattern (as `string.match` takes) rewritten as a POSIX extended
/// regular expression that matches the same lines, so that a source can
/// test lines without a Lua state. Only whether a line matches counts
/// (no captures), so the lazy `-` becomes `*`. `%b`, `%f` and back
/// references (`%1`) have no counterpart and are refused, as are
/// complement classes (`%D`) inside a set.
enum LuaPatternTranslation {
    struct Failure: Error, Sendable {
        var reason: String
    }

    static func regex(from pattern: String) throws(Failure) -> String {
        let chars = Array(pattern.unicodeScalars)
        var out = ""
        var index = 0
        // Whether the last element is a single character class (a quantifier may follow it).
        var single = false
        if chars.first == "^" {
            out = "^"
            index = 1
        }
        while index < chars.count {
            let c = chars[index]
            switch c {
            case "%":
                guard index + 1 < chars.count else { throw Failure(reason: "it ends with '%' (malformed pattern)") }
                let next = chars[index + 1]
                if let cls = classes[Character(next).lowercased().first!], Character(next).isLetter {
                    out += Character(next).isUppercase ? "[^[:\(cls):]]" : "[[:\(cls):]]"
                } else if next == "b" || next == "f" || ("0"..."9").contains(next) {
                    throw Failure(reason: "'%\(next)' has no counterpart here (only whether a line matches is tested)")
                } else if Character(next).isLetter || Character(next).isNumber {
                    throw Failure(reason: "'%\(next)' is not a pattern class")
                } else {
                    out += escaped(next)
                }
                index += 2
                single = true
            case "[":
                let (set, end) = try bracket(chars, from: index)
                out += set
                index = end
                single = true
            case "*", "+", "?", "-":
                if single {
                    out += c == "-" ? "*" : String(c)
                    single = false
                } else {
                    out += escaped(c)
                    single = true
                }
                index += 1
            case "$" where index == chars.count - 1:
                out += "$"
                index += 1
                single = false
            case "(", ")":
                // A capture only groups; `()` (a position) matches nothing.
                if c == "(", index + 1 < chars.count, chars[index + 1] == ")" {
                    index += 2
                } else {
                    out += String(c)
                    index += 1
                }
                single = false
            case ".":
                out += "."
                index += 1
                single = true
            default:
                out += escaped(c)
                index += 1
                single = true
            }
        }
        return out
    }

    private static let classes: [Character: String] = [
        "a": "alpha", "c": "cntrl", "d": "digit", "g": "graph", "l": "lower", "p": "punct", "s": "space",
        "u": "upper", "w": "alnum", "x": "xdigit",
    ]

    /// A character as a literal of an extended regular expression.
    private static func escaped(_ c: Unicode.Scalar) -> String {
        "\\^$.[]|()*+?{}".unicodeScalars.contains(c) ? "\\" + String(c) : String(c)
    }

    /// The set starting at `chars[start]` (`[`), and the index just past it. POSIX
    /// brackets have no escapes: `]` goes first, `-` last, `^` not first.
    private static func bracket(_ chars: [Unicode.Scalar], from start: Int) throws(Failure) -> (String, Int) {
        var index = start + 1
        var negated = false
        if index < chars.count, chars[index] == "^" {
            negated = true
            index += 1
        }
        var items = ""
        var closing = false, caret = false, dash = false
        var first = true
        while true {
            guard index < chars.count else { throw Failure(reason: "a set ('[') is not closed") }
            let c = chars[index]
            if c == "]", !first { break }
            first = false
            if c == "%" {
                guard index + 1 < chars.count else { throw Failure(reason: "a set ('[') is not closed") }
                let next = chars[index + 1]
                if let cls = classes[Character(next)] {
                    items += "[:\(cls):]"
                } else if Character(next).isLetter, classes[Character(next).lowercased().first!] != nil {
                    throw Failure(reason: "'%\(next)' inside a set is not supported here (write the set it stands for)")
                } else if next == "]" {
                    closing = true
                } else if next == "-" {
                    dash = true
                } else if next == "^" {
                    caret = true
                } else {
                    items += String(next)
                }
                index += 2
            } else if index + 2 < chars.count, chars[index + 1] == "-", chars[index + 2] != "]" {
                items += String(c) + "-" + String(chars[index + 2])
                index += 3
            } else {
                switch c {
                case "]": closing = true
                case "-": dash = true
                case "^": caret = true
                default: items += String(c)
                }
                index += 1
            }
        }
        // A set of `^` alone: `[\^]` is not POSIX; a lone caret is a plain character outside a set.
        if !negated, !closing, !dash, caret, items.isEmpty { return ("\\^", index + 1) }
        let set = "[" + (negated ? "^" : "") + (closing ? "]" : "") + items + (caret ? "^" : "") + (dash ? "-" : "") + "]"
        return (set, index + 1)
    }
}
