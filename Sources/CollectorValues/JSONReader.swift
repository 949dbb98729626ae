/// Reads JSON text (RFC 8259, strictly) into a `DataValue`.
///
/// What it accepts is exactly RFC 8259's grammar, in UTF-8, nothing more:
/// no trailing commas, comments, single quotes, `NaN` or `Infinity`, `+1`,
/// `.5`, `1.`, leading zeros, unescaped control characters in strings, bad
/// escapes, lone UTF-16 surrogates in `\u` escapes, invalid UTF-8 anywhere,
/// a byte order mark, or anything but whitespace after the value. Errors are
/// `JSONError`s with the byte offset, line and column of the offending byte.
///
/// Rules where JSON leaves a choice:
///
/// - **Numbers.** An integer literal (no fraction, no exponent) that fits
///   `Int64` is `.integer`, exactly (`-0` is `.integer(0)`). A literal with a
///   fraction or an exponent is `.double` (`1.0` is a float, `-0.0` keeps its
///   sign), and so is an integer literal outside `Int64`. Doubles are
///   correctly rounded. A number whose magnitude is too large for a `Double`
///   (such as `1e400`, which would be infinity) is rejected with
///   `numberOutOfRange`, since infinity could not be written back as JSON; one
///   too small (`1e-400`) rounds to zero, as IEEE 754 rounding says.
/// - **Duplicate keys.** The last occurrence of a key wins, and the key keeps
///   the position of its first occurrence: `{"a":1,"b":2,"a":3}` reads as
///   `{"a":3,"b":2}`. Keys are compared byte for byte (code points, as
///   RFC 8259 and Lua do), as `DataObject` compares them: `"é"` as U+00E9
///   and as `e` + U+0301 are two keys.
/// - **Key order** is the order of the text.
/// - **Depth.** Arrays and objects may nest `maxDepth` levels deep
///   (`DataNesting.maxDepth`, 512, by default, as on every other path); deeper input is rejected with `depthLimitExceeded`. The reader
///   keeps its own stack rather than recursing, so no input can overflow the
///   thread's stack while reading; keep `maxDepth` moderate all the same, as
///   very deep values are costly for any recursive code that handles them later.
/// - **Strings** are UTF-8 validated; `\u0000` gives a NUL in the `String`.
public struct JSONReader: Sendable {
    /// The deepest nesting of arrays and objects accepted; a top-level scalar is depth 0.
    public var maxDepth: Int

    public init(maxDepth: Int = DataNesting.maxDepth) {
        precondition(maxDepth >= 0, "maxDepth must not be negative")
        self.maxDepth = maxDepth
    }

    /// Reads one JSON text (one value, surrounded by optional whitespace).
    public func read(_ bytes: UnsafeRawBufferPointer) throws(JSONError) -> DataValue {
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw JSONError.reading(
                .unexpectedEndOfInput, "unexpected end of input", detail: "the input is empty", at: 0, in: nil)
        }
        var parser = JSONParser(
            base: base.assumingMemoryBound(to: UInt8.self), end: bytes.count, maxDepth: maxDepth)
        return try parser.parseDocument()
    }

    public func read(_ bytes: [UInt8]) throws(JSONError) -> DataValue {
        try bytes.withUnsafeBytes { raw in
            Result { () throws(JSONError) in try read(raw) }
        }.get()
    }

    public func read(_ bytes: ArraySlice<UInt8>) throws(JSONError) -> DataValue {
        try bytes.withUnsafeBytes { raw in
            Result { () throws(JSONError) in try read(raw) }
        }.get()
    }

    public func read(_ string: String) throws(JSONError) -> DataValue {
        var string = string
        return try string.withUTF8 { utf8 in
            Result { () throws(JSONError) in try read(UnsafeRawBufferPointer(utf8)) }
        }.get()
    }
}

// MARK: - The parser

struct JSONParser {
    let base: UnsafePointer<UInt8>
    let end: Int
    let maxDepth: Int
    var pos = 0
    /// Strings with escapes are decoded here.
    var scratch: [UInt8] = []

    init(base: UnsafePointer<UInt8>, end: Int, maxDepth: Int) {
        self.base = base
        self.end = end
        self.maxDepth = maxDepth
    }

    /// Reads the document into a `DataValue`.
    mutating func parseDocument() throws(JSONError) -> DataValue {
        var builder = DataValueBuilder()
        try parse(into: &builder)
        return builder.take()
    }

    // The parse is a loop over an explicit stack of open containers, not a
    // recursion, so depth costs heap, never the thread's stack. The builder
    // hears every value and container in document order; what it makes of
    // them (a `DataValue`, Lua tables) is its business.
    mutating func parse<Builder: JSONBuilder & ~Copyable>(into builder: inout Builder) throws(JSONError) {
        // One open container a level: true for an object.
        var isObject: [Bool] = []

        skipWhitespace()
        nextValue: while true {
            guard pos < end else { throw endOfInput("expected a value") }
            switch base[pos] {
            case UInt8(ascii: "{"):
                guard isObject.count < maxDepth else { throw depthExceeded() }
                pos += 1
                skipWhitespace()
                try builder.beginObject()
                if pos < end && base[pos] == UInt8(ascii: "}") {
                    pos += 1
                    try builder.endObject()
                } else {
                    if isObject.capacity == 0 { isObject.reserveCapacity(8) }
                    isObject.append(true)
                    try parseKey(afterComma: nil, into: &builder)
                    continue nextValue
                }
            case UInt8(ascii: "["):
                guard isObject.count < maxDepth else { throw depthExceeded() }
                pos += 1
                skipWhitespace()
                try builder.beginArray()
                if pos < end && base[pos] == UInt8(ascii: "]") {
                    pos += 1
                    try builder.endArray()
                } else {
                    if isObject.capacity == 0 { isObject.reserveCapacity(8) }
                    isObject.append(false)
                    continue nextValue
                }
            case UInt8(ascii: "\""):
                try parseString(into: &builder, isKey: false)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                try parseNumber(into: &builder)
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                try builder.bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                try builder.bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                try builder.null()
            case let byte:
                throw unexpected(at: pos, detail: Self.valueHint(byte))
            }

            // A complete value: add it to its container, and close every
            // container that ends right after it.
            while true {
                guard let inObject = isObject.last else {
                    skipWhitespace()
                    if pos < end {
                        throw unexpected(at: pos, kind: .trailingData, detail: "only whitespace may follow the JSON value")
                    }
                    return
                }
                skipWhitespace()
                if inObject {
                    try builder.endMember()
                    guard pos < end else { throw endOfInput("expected ',' or '}' after an object member") }
                    let byte = base[pos]
                    if byte == UInt8(ascii: ",") {
                        let comma = pos
                        pos += 1
                        skipWhitespace()
                        try parseKey(afterComma: comma, into: &builder)
                        continue nextValue
                    } else if byte == UInt8(ascii: "}") {
                        pos += 1
                        isObject.removeLast()
                        try builder.endObject()
                    } else {
                        throw unexpected(at: pos, detail: "expected ',' or '}' after an object member")
                    }
                } else {
                    try builder.endElement()
                    guard pos < end else { throw endOfInput("expected ',' or ']' after an array element") }
                    let byte = base[pos]
                    if byte == UInt8(ascii: ",") {
                        let comma = pos
                        pos += 1
                        skipWhitespace()
                        if pos < end && base[pos] == UInt8(ascii: "]") {
                            throw unexpected(at: comma, detail: "trailing comma in array")
                        }
                        continue nextValue
                    } else if byte == UInt8(ascii: "]") {
                        pos += 1
                        isObject.removeLast()
                        try builder.endArray()
                    } else {
                        throw unexpected(at: pos, detail: "expected ',' or ']' after an array element")
                    }
                }
            }
        }
    }

    /// A member's key and the colon after it; `pos` is at the opening quote.
    private mutating func parseKey<Builder: JSONBuilder & ~Copyable>(
        afterComma comma: Int?, into builder: inout Builder
    ) throws(JSONError) {
        guard pos < end else { throw endOfInput("expected a string key") }
        guard base[pos] == UInt8(ascii: "\"") else {
            if let comma, base[pos] == UInt8(ascii: "}") {
                throw unexpected(at: comma, detail: "trailing comma in object")
            }
            throw unexpected(at: pos, detail: "expected a string key in double quotes")
        }
        try parseString(into: &builder, isKey: true)
        skipWhitespace()
        guard pos < end else { throw endOfInput("expected ':' after an object key") }
        guard base[pos] == UInt8(ascii: ":") else {
            throw unexpected(at: pos, detail: "expected ':' after an object key")
        }
        pos += 1
        skipWhitespace()
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while pos < end {
            let byte = base[pos]
            guard byte <= 0x20,
                byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
            else { return }
            pos += 1
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
        let count = literal.utf8CodeUnitCount
        let expected = literal.utf8Start
        for i in 0..<count {
            guard pos + i < end else { throw endOfInput("expected '\(literal)'") }
            guard base[pos + i] == expected[i] else {
                throw unexpected(at: pos + i, detail: "expected '\(literal)'")
            }
        }
        pos += count
    }

    // MARK: Strings

    /// A string (a member's key if `isKey`), handed to the builder; `pos` is at the opening quote.
    @inline(__always)
    private mutating func parseString<Builder: JSONBuilder & ~Copyable>(
        into builder: inout Builder, isKey: Bool
    ) throws(JSONError) {
        let start = pos + 1
        var p = start
        while true {
            // Eight bytes at a time while none is a quote, a backslash, a
            // control character or non-ASCII.
            while p + 8 <= end {
                let word = UnsafeRawPointer(base + p).loadUnaligned(as: UInt64.self)
                if JSONStringScan.needsAttention(word) { break }
                p += 8
            }
            guard p < end else { throw unterminatedString(start: start - 1) }
            let byte = base[p]
            if byte == UInt8(ascii: "\"") {
                pos = p + 1
                let bytes = UnsafeBufferPointer(start: base + start, count: p - start)
                if isKey { try builder.key(bytes) } else { try builder.string(bytes) }
                return
            } else if byte == UInt8(ascii: "\\") {
                try parseEscapedString(start: start, escape: p)
                try scratch.withUnsafeBufferPointer { (bytes) throws(JSONError) in
                    if isKey { try builder.key(bytes) } else { try builder.string(bytes) }
                }
                return
            } else if byte < 0x20 {
                throw controlCharacter(at: p)
            } else if byte >= 0x80 {
                p = try skipUTF8Sequence(at: p)
            } else {
                p += 1
            }
        }
    }

    /// The rest of a string that has escapes, decoded into `scratch`.
    private mutating func parseEscapedString(start: Int, escape: Int) throws(JSONError) {
        scratch.removeAll(keepingCapacity: true)
        var runStart = start
        var p = escape
        while true {
            guard p < end else { throw unterminatedString(start: start - 1) }
            let byte = base[p]
            if byte == UInt8(ascii: "\"") {
                appendRun(from: runStart, to: p)
                pos = p + 1
                return
            } else if byte == UInt8(ascii: "\\") {
                appendRun(from: runStart, to: p)
                p = try decodeEscape(at: p)
                runStart = p
            } else if byte < 0x20 {
                throw controlCharacter(at: p)
            } else if byte >= 0x80 {
                p = try skipUTF8Sequence(at: p)
            } else {
                p += 1
            }
        }
    }

    @inline(__always)
    private mutating func appendRun(from start: Int, to end: Int) {
        if end > start {
            scratch.append(contentsOf: UnsafeBufferPointer(start: base + start, count: end - start))
        }
    }

    /// Decodes the escape at `p` (a backslash) into `scratch`; returns the
    /// offset after it.
    private mutating func decodeEscape(at p: Int) throws(JSONError) -> Int {
        guard p + 1 < end else { throw endOfInput("expected an escape after '\\'") }
        let replacement: UInt8
        switch base[p + 1] {
        case UInt8(ascii: "\""): replacement = 0x22
        case UInt8(ascii: "\\"): replacement = 0x5C
        case UInt8(ascii: "/"): replacement = 0x2F
        case UInt8(ascii: "b"): replacement = 0x08
        case UInt8(ascii: "f"): replacement = 0x0C
        case UInt8(ascii: "n"): replacement = 0x0A
        case UInt8(ascii: "r"): replacement = 0x0D
        case UInt8(ascii: "t"): replacement = 0x09
        case UInt8(ascii: "u"):
            let unit = try hex4(at: p + 2, escape: p)
            var scalar = UInt32(unit)
            var next = p + 6
            if unit >= 0xD800 && unit <= 0xDBFF {
                guard next + 1 < end, base[next] == UInt8(ascii: "\\"), base[next + 1] == UInt8(ascii: "u") else {
                    throw loneSurrogate(unit, at: p, detail: "a high surrogate must be followed by a \\uDC00-\\uDFFF escape")
                }
                let low = try hex4(at: next + 2, escape: next)
                guard low >= 0xDC00 && low <= 0xDFFF else {
                    throw loneSurrogate(unit, at: p, detail: "a high surrogate must be followed by a \\uDC00-\\uDFFF escape")
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                next += 6
            } else if unit >= 0xDC00 && unit <= 0xDFFF {
                throw loneSurrogate(unit, at: p, detail: "a low surrogate must follow a high surrogate")
            }
            appendUTF8(scalar)
            return next
        default:
            let (kind, described) = describeByte(at: p + 1)
            if kind == .invalidUTF8 {
                throw JSONError.reading(kind, described, at: p + 1, in: base)
            }
            let escaped = base[p + 1]
            let message =
                escaped >= 0x20 && escaped < 0x7F
                ? "invalid escape '\\\(Self.printable(escaped))'"
                : "invalid escape: '\\' followed by \(described.dropFirst("unexpected ".count))"
            throw JSONError.reading(
                .invalidEscape, message,
                detail: "JSON escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX", at: p, in: base)
        }
        scratch.append(replacement)
        return p + 2
    }

    private func hex4(at p: Int, escape: Int) throws(JSONError) -> UInt16 {
        var unit: UInt16 = 0
        for i in p..<p + 4 {
            guard i < end else { throw endOfInput("expected four hex digits after '\\u'") }
            let byte = base[i]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default:
                throw JSONError.reading(
                    .invalidEscape, "invalid \\u escape", detail: "expected four hex digits after '\\u'",
                    at: escape, in: base)
            }
            unit = unit << 4 | UInt16(digit)
        }
        return unit
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// Validates the UTF-8 sequence starting at `p` (a byte >= 0x80) and
    /// returns the offset after it.
    private func skipUTF8Sequence(at p: Int) throws(JSONError) -> Int {
        guard let length = utf8SequenceLength(at: p) else {
            let (_, message) = describeByte(at: p)
            throw JSONError.reading(.invalidUTF8, message, detail: "the input must be UTF-8", at: p, in: base)
        }
        return p + length
    }

    /// The length of the valid UTF-8 sequence at `p`, or nil.
    private func utf8SequenceLength(at p: Int) -> Int? {
        UTF8Validation.sequenceLength(base, at: p, end: end)
    }

    // MARK: Numbers

    /// A number; `pos` is at its first byte (`-` or a digit).
    private mutating func parseNumber<Builder: JSONBuilder & ~Copyable>(into builder: inout Builder) throws(JSONError) {
        let start = pos
        var p = pos
        let negative = base[p] == UInt8(ascii: "-")
        if negative { p += 1 }

        // The significant digits, exactly, while they fit in 64 bits.
        var mantissa: UInt64 = 0
        var overflow = false
        var exponent = 0
        var isInteger = true

        guard p < end else { throw endOfInput("expected a digit after '-'") }
        var digit = base[p] &- UInt8(ascii: "0")
        if digit == 0 {
            p += 1
            if p < end && base[p] &- UInt8(ascii: "0") < 10 {
                throw JSONError.reading(
                    .invalidNumber, "invalid number", detail: "leading zeros are not allowed", at: start, in: base)
            }
        } else if digit < 10 {
            repeat {
                Self.accumulate(digit, into: &mantissa, overflow: &overflow)
                p += 1
                guard p < end else { break }
                digit = base[p] &- UInt8(ascii: "0")
            } while digit < 10
        } else {
            throw invalidNumber(at: p, detail: "expected a digit after '-'")
        }

        if p < end && base[p] == UInt8(ascii: ".") {
            isInteger = false
            p += 1
            guard p < end, base[p] &- UInt8(ascii: "0") < 10 else {
                throw invalidNumber(at: p, detail: "expected a digit after '.'")
            }
            repeat {
                if !overflow {
                    Self.accumulate(base[p] &- UInt8(ascii: "0"), into: &mantissa, overflow: &overflow)
                    exponent -= 1
                }
                p += 1
            } while p < end && base[p] &- UInt8(ascii: "0") < 10
        }

        if p < end && base[p] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            p += 1
            var exponentNegative = false
            if p < end && (base[p] == UInt8(ascii: "+") || base[p] == UInt8(ascii: "-")) {
                exponentNegative = base[p] == UInt8(ascii: "-")
                p += 1
            }
            guard p < end, base[p] &- UInt8(ascii: "0") < 10 else {
                throw invalidNumber(at: p, detail: "expected a digit in the exponent")
            }
            var value = 0
            repeat {
                // Far beyond any Double; clamped so the Int cannot overflow.
                if value < 100_000_000 { value = value * 10 + Int(base[p] &- UInt8(ascii: "0")) }
                p += 1
            } while p < end && base[p] &- UInt8(ascii: "0") < 10
            exponent += exponentNegative ? -value : value
        }
        pos = p

        if isInteger && !overflow {
            if negative {
                if mantissa <= 1 << 63 { return try builder.integer(Int64(bitPattern: 0 &- mantissa)) }
            } else if mantissa <= UInt64(Int64.max) {
                return try builder.integer(Int64(mantissa))
            }
            // Outside Int64: the nearest Double (UInt64 → Double rounds correctly).
            let double = Double(mantissa)
            return try builder.double(negative ? -double : double)
        }
        if let double = Self.fastDouble(mantissa: mantissa, exponent: exponent, overflow: overflow) {
            return try builder.double(negative ? -double : double)
        }
        try builder.double(try slowDouble(from: start, to: p))
    }

    @inline(__always)
    private static func accumulate(_ digit: UInt8, into mantissa: inout UInt64, overflow: inout Bool) {
        if mantissa <= 1_844_674_407_370_955_160 {  // (UInt64.max - 9) / 10 rounded down
            mantissa = mantissa &* 10 &+ UInt64(digit)
        } else {
            let (times10, o1) = mantissa.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(digit))
            if o1 || o2 { overflow = true } else { mantissa = sum }
        }
    }

    /// Clinger's fast path: when the significand is at most 2^53 and the
    /// power of ten at most 10^22, both are exact Doubles, and one IEEE
    /// multiplication or division rounds their exact product or quotient
    /// correctly. Nil when it does not apply.
    @inline(__always)
    private static func fastDouble(mantissa: UInt64, exponent: Int, overflow: Bool) -> Double? {
        guard !overflow, mantissa <= 1 << 53, exponent >= -22, exponent <= 22 else { return nil }
        let significand = Double(mantissa)
        return exponent < 0 ? significand / powerOfTen(-exponent) : significand * powerOfTen(exponent)
    }

    /// 10^n for 0 <= n <= 22, the powers of ten that are exact Doubles.
    @inline(__always)
    private static func powerOfTen(_ n: Int) -> Double {
        switch n {
        case 0: 1e0
        case 1: 1e1
        case 2: 1e2
        case 3: 1e3
        case 4: 1e4
        case 5: 1e5
        case 6: 1e6
        case 7: 1e7
        case 8: 1e8
        case 9: 1e9
        case 10: 1e10
        case 11: 1e11
        case 12: 1e12
        case 13: 1e13
        case 14: 1e14
        case 15: 1e15
        case 16: 1e16
        case 17: 1e17
        case 18: 1e18
        case 19: 1e19
        case 20: 1e20
        case 21: 1e21
        default: 1e22
        }
    }

    /// The correctly rounded Double of the literal's text (the standard
    /// library's parser); rejects numbers beyond Double's range.
    private func slowDouble(from start: Int, to stop: Int) throws(JSONError) -> Double {
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: stop - start), as: UTF8.self)
        guard let double = Double(text) else {
            throw JSONError.reading(.invalidNumber, "invalid number", at: start, in: base)
        }
        guard double.isFinite else {
            throw JSONError.reading(
                .numberOutOfRange, "number out of range",
                detail: "its magnitude is too large for a 64-bit float", at: start, in: base)
        }
        return double
    }

    // MARK: Errors

    private func endOfInput(_ detail: String) -> JSONError {
        JSONError.reading(.unexpectedEndOfInput, "unexpected end of input", detail: detail, at: end, in: base)
    }

    private func unterminatedString(start: Int) -> JSONError {
        JSONError.reading(
            .unexpectedEndOfInput, "unexpected end of input",
            detail: "unterminated string starting at byte \(start)", at: end, in: base)
    }

    private func depthExceeded() -> JSONError {
        JSONError.reading(
            .depthLimitExceeded, "nesting deeper than \(maxDepth) levels",
            detail: "arrays and objects may nest at most \(maxDepth) levels deep", at: pos, in: base)
    }

    private func controlCharacter(at p: Int) -> JSONError {
        JSONError.reading(
            .controlCharacter, "unescaped control character \(Self.scalarName(UInt32(base[p]))) in string",
            detail: "control characters must be escaped", at: p, in: base)
    }

    private func invalidNumber(at p: Int, detail: String) -> JSONError {
        if p >= end { return endOfInput(detail) }
        let (kind, message) = describeByte(at: p)
        return JSONError.reading(kind == .invalidUTF8 ? kind : .invalidNumber, message, detail: detail, at: p, in: base)
    }

    private func loneSurrogate(_ unit: UInt16, at p: Int, detail: String) -> JSONError {
        JSONError.reading(
            .invalidSurrogate, "lone surrogate \\u\(Self.hex(UInt32(unit), digits: 4))", detail: detail, at: p, in: base)
    }

    private func unexpected(at p: Int, kind: JSONError.Kind = .unexpectedCharacter, detail: String) -> JSONError {
        let (byteKind, message) = describeByte(at: p)
        return JSONError.reading(byteKind == .invalidUTF8 ? byteKind : kind, message, detail: detail, at: p, in: base)
    }

    /// `unexpected character 'x'`, or `invalid UTF-8 byte 0xFF` (kind `.invalidUTF8`).
    private func describeByte(at p: Int) -> (JSONError.Kind, String) {
        let byte = base[p]
        if byte < 0x80 {
            if byte >= 0x20 && byte < 0x7F {
                return (.unexpectedCharacter, "unexpected character '\(Self.printable(byte))'")
            }
            return (.unexpectedCharacter, "unexpected character \(Self.scalarName(UInt32(byte)))")
        }
        guard let length = utf8SequenceLength(at: p) else {
            return (.invalidUTF8, "invalid UTF-8 byte 0x\(Self.hex(UInt32(byte), digits: 2))")
        }
        let text = String(decoding: UnsafeBufferPointer(start: base + p, count: length), as: UTF8.self)
        let scalar = text.unicodeScalars.first!.value
        if scalar == 0xFEFF {
            return (.unexpectedCharacter, "unexpected byte order mark (U+FEFF)")
        }
        return (.unexpectedCharacter, "unexpected character '\(text)' (\(Self.scalarName(scalar)))")
    }

    private static func valueHint(_ byte: UInt8) -> String {
        switch byte {
        case UInt8(ascii: "N"), UInt8(ascii: "I"): "expected a value (NaN and Infinity are not JSON)"
        case UInt8(ascii: "+"): "expected a value (a number cannot start with '+')"
        case UInt8(ascii: "."): "expected a value (a number cannot start with '.')"
        case UInt8(ascii: "'"): "expected a value (strings take double quotes)"
        default: "expected a value"
        }
    }

    /// A printable ASCII byte as text.
    private static func printable(_ byte: UInt8) -> String {
        String(Character(Unicode.Scalar(byte)))
    }

    static func scalarName(_ scalar: UInt32) -> String {
        "U+" + hex(scalar, digits: 4)
    }

    static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
