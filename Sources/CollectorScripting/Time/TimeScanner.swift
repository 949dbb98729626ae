/// Reads the parts of a time from text, byte by byte, saying where it stopped
/// making sense.
struct TimeScanner {
    let text: UnsafeBufferPointer<UInt8>
    var index = 0

    init(_ text: UnsafeBufferPointer<UInt8>) { self.text = text }

    var atEnd: Bool { index >= text.count }
    var current: UInt8? { index < text.count ? text[index] : nil }

    func error(_ problem: String, at position: Int? = nil) -> TimeTextError {
        TimeTextError(problem: problem, position: (position ?? index) + 1)
    }

    /// What is at the current place, for messages: `'x'` or `the end of the text`.
    var found: String {
        guard let byte = current else { return "the end of the text" }
        return "'\(Self.show(byte))'"
    }

    static func show(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16, uppercase: true)
    }

    /// `minimum` to `maximum` decimal digits; more digits than `maximum` is an error, not two fields.
    /// `more`: digits may follow (`+0100`: the hours, then the minutes).
    mutating func number(_ what: String, minimum: Int, maximum: Int, more: Bool = false) throws(TimeTextError) -> Int64 {
        let start = index
        var value: Int64 = 0
        while index < text.count, index - start < maximum, let digit = Self.digit(text[index]) {
            value = value * 10 + digit
            index += 1
        }
        let count = index - start
        if count < minimum {
            let expected = minimum == maximum ? "\(minimum) digit\(minimum == 1 ? "" : "s")" : "digits"
            throw error("expected the \(what) (\(expected)), found \(found)")
        }
        if minimum == maximum, !more, let byte = current, Self.digit(byte) != nil {
            throw error("the \(what) has more than \(maximum) digits", at: start)
        }
        return value
    }

    /// A fraction's digits (at least one): nanoseconds, digits past the ninth dropped.
    mutating func fraction() throws(TimeTextError) -> Int64 {
        let start = index
        var value: Int64 = 0
        while let byte = current, let digit = Self.digit(byte) {
            if index - start < 9 { value = value * 10 + digit }
            index += 1
        }
        let count = index - start
        if count == 0 { throw error("expected the digits of a fraction of a second, found \(found)") }
        return count >= 9 ? value : value * ParsedTime.powersOfTen[9 - count]
    }

    /// `Z`, `z`, or `+hh:mm`, `+hhmm`, `+hh` (or `-`): seconds east of UTC.
    mutating func offset() throws(TimeTextError) -> Int64 {
        guard let sign = current else { throw error("expected a UTC offset (Z or +hh:mm), found \(found)") }
        if sign == UInt8(ascii: "Z") || sign == UInt8(ascii: "z") {
            index += 1
            return 0
        }
        guard sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else {
            throw error("expected a UTC offset (Z or +hh:mm), found \(found)")
        }
        index += 1
        let hourAt = index
        let hours = try number("offset's hours", minimum: 2, maximum: 2, more: true)
        var minutes: Int64 = 0
        var minuteAt = index
        if current == UInt8(ascii: ":") {
            index += 1
            minuteAt = index
            minutes = try number("offset's minutes", minimum: 2, maximum: 2)
        } else if let byte = current, Self.digit(byte) != nil {
            minutes = try number("offset's minutes", minimum: 2, maximum: 2)
        }
        if hours > 23 { throw error("offset hours \(hours) out of range (00-23)", at: hourAt) }
        if minutes > 59 { throw error("offset minutes \(minutes) out of range (00-59)", at: minuteAt) }
        let seconds = hours * 3600 + minutes * 60
        return sign == UInt8(ascii: "-") ? -seconds : seconds
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws(TimeTextError) {
        guard current == byte else { throw error("expected \(what), found \(found)") }
        index += 1
    }

    mutating func skipSpaces() {
        while let byte = current, Self.isSpace(byte) { index += 1 }
    }

    /// One of `names` (case-insensitive), whole or its first three letters: its index.
    mutating func name(in names: [String], _ what: String) throws(TimeTextError) -> Int {
        for (number, name) in names.enumerated() {
            for candidate in [Substring(name), name.prefix(3)] where matches(candidate) {
                index += candidate.utf8.count
                return number
            }
        }
        throw error("expected a \(what) name (\(names[0]), \(names[0].prefix(3)), ...), found \(found)")
    }

    /// Whether the text at the current place starts with `word`, ignoring ASCII case.
    func matches(_ word: Substring) -> Bool {
        var at = index
        for byte in word.utf8 {
            guard at < text.count, Self.lower(text[at]) == Self.lower(byte) else { return false }
            at += 1
        }
        return true
    }

    static func digit(_ byte: UInt8) -> Int64? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int64(byte - UInt8(ascii: "0")) : nil
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    static func lower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }
}
