/// Byte tests shared by the reader and the writers: which bytes of a string
/// JSON must treat specially (a quote, a backslash, a control character)
/// or validate (non-ASCII).
enum JSONStringScan {
    /// Whether any byte of `word` is `"`, `\`, below 0x20 or above 0x7F.
    /// (The usual SWAR tests: each is exact about "any", which is all we ask.)
    @inline(__always)
    static func needsAttention(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let quoteZero = (quote &- ones) & ~quote
        let backslashZero = (backslash &- ones) & ~backslash
        let control = word &- ones &* 0x20
        return (quoteZero | backslashZero | control | word) & high != 0
    }

    /// Whether every byte is printable ASCII other than `"` and `\`: a string
    /// a JSON text holds as it is, with nothing to escape or validate.
    @inline(__always)
    static func isPlain(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = utf8.baseAddress else { return true }
        var i = 0
        while i + 8 <= utf8.count {
            if needsAttention(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) { return false }
            i += 8
        }
        while i < utf8.count {
            let byte = base[i]
            if byte < 0x20 || byte >= 0x80 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return false }
            i += 1
        }
        return true
    }
}
