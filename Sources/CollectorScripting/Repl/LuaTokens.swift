/// The tokens of Lua source, as far as `SessionEntry` needs them: names
/// (keywords included), symbols, and the rest (strings, numbers) as other;
/// comments and blanks skipped.
struct LuaTokens {
    enum Kind { case name, symbol, other }

    struct Token {
        var kind: Kind
        var text: String
        var range: Range<Int>
    }

    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    func all() -> [Token] {
        var scanner = self
        var tokens: [Token] = []
        while let token = scanner.next() { tokens.append(token) }
        return tokens
    }

    private func byte(_ offset: Int = 0) -> UInt8? {
        position + offset < bytes.count ? bytes[position + offset] : nil
    }

    private static func isNameStart(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == UInt8(ascii: "_")
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    private mutating func next() -> Token? {
        while let b = byte() {
            let start = position
            switch b {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), 0x0B, 0x0C:
                position += 1
            case UInt8(ascii: "-") where byte(1) == UInt8(ascii: "-"):
                position += 2
                if let level = longBracketLevel() {
                    skipLongBracket(level)
                } else {
                    while let c = byte(), c != UInt8(ascii: "\n") { position += 1 }
                }
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                position += 1
                while let c = byte(), c != b, c != UInt8(ascii: "\n") {
                    // `\z` and escaped line ends: what follows a backslash never ends the string.
                    position += c == UInt8(ascii: "\\") ? 2 : 1
                }
                position = min(position + 1, bytes.count)
                return Token(kind: .other, text: "", range: start..<position)
            case UInt8(ascii: "[") where longBracketLevel() != nil:
                skipLongBracket(longBracketLevel()!)
                return Token(kind: .other, text: "", range: start..<position)
            case _ where Self.isNameStart(b):
                while let c = byte(), Self.isNameStart(c) || Self.isDigit(c) { position += 1 }
                return Token(kind: .name, text: String(decoding: bytes[start..<position], as: UTF8.self), range: start..<position)
            case _ where Self.isDigit(b) || (b == UInt8(ascii: ".") && byte(1).map(Self.isDigit) == true):
                while let c = byte() {
                    let exponent = c == UInt8(ascii: "e") || c == UInt8(ascii: "E") || c == UInt8(ascii: "p") || c == UInt8(ascii: "P")
                    if exponent, let sign = byte(1), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                        position += 2
                    } else if Self.isNameStart(c) || Self.isDigit(c) || c == UInt8(ascii: ".") {
                        position += 1
                    } else {
                        break
                    }
                }
                return Token(kind: .other, text: "", range: start..<position)
            default:
                for symbol in ["...", "..", "::", "<=", ">=", "==", "~=", "//", "<<", ">>"]
                where bytes[position...].starts(with: symbol.utf8) {
                    position += symbol.utf8.count
                    return Token(kind: .symbol, text: symbol, range: start..<position)
                }
                position += 1
                return Token(kind: .symbol, text: String(decoding: [b], as: UTF8.self), range: start..<position)
            }
        }
        return nil
    }

    /// At `[` followed by `=`s and `[`: how many `=`s.
    private func longBracketLevel() -> Int? {
        guard byte() == UInt8(ascii: "[") else { return nil }
        var level = 0
        while byte(1 + level) == UInt8(ascii: "=") { level += 1 }
        return byte(1 + level) == UInt8(ascii: "[") ? level : nil
    }

    private mutating func skipLongBracket(_ level: Int) {
        position += level + 2
        let close = [UInt8(ascii: "]")] + [UInt8](repeating: UInt8(ascii: "="), count: level) + [UInt8(ascii: "]")]
        while position < bytes.count, !bytes[position...].starts(with: close) { position += 1 }
        position = min(position + close.count, bytes.count)
    }
}
