#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads chosen top-level fields of a JSON object without building the rest:
/// what a consumer that needs two fields of a record carried as JSON text
/// (a tally, a router) does instead of decoding all of it.
public struct JSONFieldPicker: Sendable {
    /// The field names, in the order `pick` answers.
    public let names: [String]
    private let keys: [[UInt8]]
    /// For each name, the index of its first occurrence (a name may repeat).
    private let first: [Int]
    private let reader: JSONReader

    public init(_ names: [String], reader: JSONReader = JSONReader()) {
        self.names = names
        keys = names.map { Array($0.utf8) }
        first = names.indices.map { i in names.firstIndex(of: names[i])! }
        self.reader = reader
    }

    /// The value of each name in `text` (nil where the object has no such
    /// field, or all nil when the text is not an object). Invalid JSON
    /// throws, as `JSONReader.read` does.
    public func pick(from text: ArraySlice<UInt8>) throws(JSONError) -> [DataValue?] {
        try text.withUnsafeBytes { raw in
            Result { () throws(JSONError) in try pick(from: raw) }
        }.get()
    }

    /// `pick(from:)` for text this library wrote (`JSONWriter`,
    /// `JSONTextBuffer`: compact, valid, each key once), several times
    /// faster: the fields not wanted are skipped, not read, and the scan
    /// ends at the last field wanted. Text it does not expect (a key with an
    /// escape, whitespace) is read by `pick(from:)` instead.
    public func pick(fromCompact text: ArraySlice<UInt8>) -> [DataValue?] {
        guard let ranges = ranges(fromCompact: text) else { return (try? pick(from: text)) ?? names.map { _ in nil } }
        var found = [DataValue?](repeating: nil, count: keys.count)
        for (k, range) in ranges.enumerated() {
            guard let range else { continue }
            guard let value = Self.value(ofCompact: text[range]) else { return (try? pick(from: text)) ?? found }
            found[k] = value
        }
        return found
    }

    /// Where each name's value is in `text` (compact, as `pick(fromCompact:)`
    /// takes it; indices of `text`), nil where the object has no such field;
    /// all nil when the text is not an object; nil when the text is not as
    /// expected. For a consumer that can use a value's text as it is (a JSON
    /// column takes a nested object's text without decoding it).
    public func ranges(fromCompact text: ArraySlice<UInt8>) -> [Range<Int>?]? {
        let base = text.startIndex
        var found: [Range<Int>?] = []
        guard text.withUnsafeBufferPointer({ ranges(fromCompact: $0, into: &found) }) else { return nil }
        return found.map { $0.map { ($0.lowerBound + base)..<($0.upperBound + base) } }
    }

    /// `ranges(fromCompact:)` into an array the caller keeps between records
    /// (no allocation once it has the names' count); the ranges are offsets
    /// in `text`. False when the text is not as expected.
    public func ranges(fromCompact text: UnsafeBufferPointer<UInt8>, into found: inout [Range<Int>?]) -> Bool {
        if found.count != keys.count {
            found = [Range<Int>?](repeating: nil, count: keys.count)
        } else {
            for k in found.indices { found[k] = nil }
        }
        return scanCompact(text, into: &found)
    }

    /// The value of one compact JSON text (a field's, from `ranges`): plain
    /// scalars are read directly, the rest by the reader; nil if it is not JSON.
    public static func value(ofCompact text: ArraySlice<UInt8>) -> DataValue? {
        text.withUnsafeBufferPointer { p in
            scalar(p) ?? (try? JSONReader().read(UnsafeRawBufferPointer(p)))
        }
    }

    /// Fills `found` (all nil, one per name) with the ranges of the wanted
    /// values in `p`; false when the text is not as `pick(fromCompact:)` expects.
    private func scanCompact(_ p: UnsafeBufferPointer<UInt8>, into found: inout [Range<Int>?]) -> Bool {
        guard p.count >= 2, p[0] == UInt8(ascii: "{") else { return !p.isEmpty }
        var i = 1
        if p[i] == UInt8(ascii: "}") { return true }
        // Text this library wrote has each key once: the scan stops at the last name wanted.
        var missing = keys.count
        while i < p.count, p[i] == UInt8(ascii: "\"") {
            let keyStart = i + 1
            var keyEnd = keyStart
            while keyEnd < p.count, p[keyEnd] != UInt8(ascii: "\""), p[keyEnd] != UInt8(ascii: "\\") { keyEnd += 1 }
            guard keyEnd + 1 < p.count, p[keyEnd] == UInt8(ascii: "\""), p[keyEnd + 1] == UInt8(ascii: ":") else { return false }
            let valueStart = keyEnd + 2
            guard let valueEnd = Self.skipValue(p, from: valueStart) else { return false }
            let key = UnsafeBufferPointer(rebasing: p[keyStart..<keyEnd])
            for k in keys.indices where keys[k].count == key.count && keys[k].elementsEqual(key) {
                found[k] = valueStart..<valueEnd
                missing -= 1
            }
            if missing == 0 { return true }
            guard valueEnd < p.count else { return false }
            if p[valueEnd] == UInt8(ascii: "}") { return true }
            guard p[valueEnd] == UInt8(ascii: ",") else { return false }
            i = valueEnd + 1
        }
        return false
    }

    /// A plain scalar of compact text read directly: a string without
    /// escapes, an integer, a literal. Nil for anything else (a number with
    /// a fraction or an exponent, an escape, a container), which the reader reads.
    private static func scalar(_ text: UnsafeBufferPointer<UInt8>) -> DataValue? {
        guard let first = text.first else { return nil }
        switch first {
        case UInt8(ascii: "\""):
            guard text.count >= 2 else { return nil }
            let body = UnsafeBufferPointer(rebasing: text[1..<(text.count - 1)])
            guard !body.contains(UInt8(ascii: "\\")) else { return nil }
            // Text this library wrote is valid UTF-8.
            return .string(String(decoding: body, as: UTF8.self))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            if let integer = integer(text) { return .integer(integer) }
            return double(text).map { .double($0) }
        case UInt8(ascii: "t"): return .bool(true)
        case UInt8(ascii: "f"): return .bool(false)
        case UInt8(ascii: "n"): return .null
        default: return nil
        }
    }

    /// The integer of a number without a fraction or an exponent that fits
    /// an Int64; nil otherwise.
    private static func integer(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        let negative = text[0] == UInt8(ascii: "-")
        let digits = text[(negative ? 1 : 0)...]
        guard !digits.isEmpty, digits.count <= 18 else { return nil }  // 18 digits always fit
        var value: Int64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte &- UInt8(ascii: "0"))
        }
        if negative && value == 0 { return nil }  // "-0": as the reader says
        return negative ? -value : value
    }

    /// A number with a fraction or an exponent, as the reader reads it
    /// (correctly rounded); nil for anything else.
    private static func double(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        guard text.count <= 32, text.allSatisfy({ byte in
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
                UInt8(ascii: "e"), UInt8(ascii: "E"):
                true
            default:
                false
            }
        }) else { return nil }
        // Without a fraction or an exponent it is an integer (too long for
        // `integer`, or one the reader turns into a double): the reader's call.
        guard text.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) else {
            return nil
        }
        if let fast = fastDouble(text) { return fast }
        // A NUL-terminated copy on the stack: strtod must not read past the value.
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: text.count + 1) { buffer -> Double? in
            for i in 0..<text.count { buffer[i] = CChar(bitPattern: text[i]) }
            buffer[text.count] = 0
            var end: UnsafeMutablePointer<CChar>?
            let value = strtod(buffer.baseAddress!, &end)
            guard end == buffer.baseAddress! + text.count, value.isFinite else { return nil }
            return value
        }
    }

    /// A number with a fraction or an exponent whose digits and power of ten
    /// take the reader's exact fast path (`JSONParser.fastDouble`); nil when
    /// they do not (then strtod reads it), or when the text is not a JSON number.
    private static func fastDouble(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        var i = text[0] == UInt8(ascii: "-") ? 1 : 0
        let negative = i == 1
        var mantissa: UInt64 = 0
        var exponent = 0
        var integerDigits = 0
        while i < text.count, text[i] &- UInt8(ascii: "0") < 10 {
            guard mantissa < 1 << 60 else { return nil }
            mantissa = mantissa * 10 + UInt64(text[i] &- UInt8(ascii: "0"))
            integerDigits += 1
            i += 1
        }
        guard integerDigits > 0 else { return nil }
        if i < text.count, text[i] == UInt8(ascii: ".") {
            i += 1
            let fractionStart = i
            while i < text.count, text[i] &- UInt8(ascii: "0") < 10 {
                guard mantissa < 1 << 60 else { return nil }
                mantissa = mantissa * 10 + UInt64(text[i] &- UInt8(ascii: "0"))
                exponent -= 1
                i += 1
            }
            guard i > fractionStart else { return nil }
        }
        if i < text.count, text[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            var exponentNegative = false
            if i < text.count, text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-") {
                exponentNegative = text[i] == UInt8(ascii: "-")
                i += 1
            }
            let digitsStart = i
            var value = 0
            while i < text.count, text[i] &- UInt8(ascii: "0") < 10, value < 10_000 {
                value = value * 10 + Int(text[i] &- UInt8(ascii: "0"))
                i += 1
            }
            guard i > digitsStart else { return nil }
            exponent += exponentNegative ? -value : value
        }
        // Without a fraction or an exponent it is an integer, or what the reader makes of one.
        guard i == text.count, i > integerDigits + (negative ? 1 : 0),
            let double = JSONParser.fastDouble(mantissa: mantissa, exponent: exponent, overflow: false)
        else {
            return nil
        }
        return negative ? -double : double
    }

    /// The number of one compact JSON text (a field's, from `ranges`):
    /// `.integer` or `.double` as the reader would read it; nil when the
    /// text is not a number.
    public static func number(ofCompact text: UnsafeBufferPointer<UInt8>) -> DataValue? {
        guard let first = text.first, first == UInt8(ascii: "-") || first &- UInt8(ascii: "0") < 10 else { return nil }
        if let integer = integer(text) { return .integer(integer) }
        if let double = fastDouble(text) { return .double(double) }
        // The reader, not strtod: it refuses what JSON does ("1.", "01").
        switch try? JSONReader().read(UnsafeRawBufferPointer(text)) {
        case .integer(let i)?: return .integer(i)
        case .double(let d)?: return .double(d)
        default: return nil
        }
    }

    /// Where the value that starts at `start` ends (the index after it), by
    /// its brackets and quotes only.
    private static func skipValue(_ p: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard start < p.count else { return nil }
        switch p[start] {
        case UInt8(ascii: "\""):
            return skipString(p, from: start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var i = start
            while i < p.count {
                switch p[i] {
                case UInt8(ascii: "\""):
                    guard let end = skipString(p, from: i) else { return nil }
                    i = end
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return i + 1 }
                default:
                    break
                }
                i += 1
            }
            return nil
        default:  // a number or a literal: compact text ends it with the next delimiter
            var i = start
            while i < p.count, p[i] != UInt8(ascii: ","), p[i] != UInt8(ascii: "}"), p[i] != UInt8(ascii: "]") { i += 1 }
            return i > start ? i : nil
        }
    }

    /// The index after the closing quote of the string that starts at `start`.
    private static func skipString(_ p: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var i = start + 1
        while i < p.count {
            switch p[i] {
            case UInt8(ascii: "\\"): i += 2
            case UInt8(ascii: "\""): return i + 1
            default: i += 1
            }
        }
        return nil
    }

    /// `pick(from:)` on bytes in memory.
    public func pick(from bytes: UnsafeRawBufferPointer) throws(JSONError) -> [DataValue?] {
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw JSONError.reading(
                .unexpectedEndOfInput, "unexpected end of input", detail: "the input is empty", at: 0, in: nil)
        }
        var parser = JSONParser(base: base.assumingMemoryBound(to: UInt8.self), end: bytes.count, maxDepth: reader.maxDepth)
        var builder = FieldPickBuilder(keys: keys)
        try parser.parse(into: &builder)
        var found = builder.found
        for (i, j) in first.enumerated() where i != j { found[i] = found[j] }
        return found
    }
}

/// Hands the values of the wanted top-level members to a `DataValueBuilder`
/// and ignores everything else (scalars are skipped without a `DataValue`).
private struct FieldPickBuilder: JSONBuilder, ~Copyable {
    let keys: [[UInt8]]
    var found: [DataValue?]
    /// 1 inside the top-level object, more inside its members' values.
    private var depth = 0
    /// The wanted field whose value is being read, by its index in `keys`.
    private var current: Int?
    private var inner = DataValueBuilder()

    init(keys: [[UInt8]]) {
        self.keys = keys
        found = Array(repeating: nil, count: keys.count)
    }

    private var reading: Bool { current != nil }

    mutating func null() { if reading { inner.null() } }
    mutating func bool(_ value: Bool) { if reading { inner.bool(value) } }
    mutating func integer(_ value: Int64) { if reading { inner.integer(value) } }
    mutating func double(_ value: Double) { if reading { inner.double(value) } }
    mutating func string(_ bytes: UnsafeBufferPointer<UInt8>) { if reading { inner.string(bytes) } }

    mutating func beginObject() {
        depth += 1
        if depth > 1, reading { inner.beginObject() }
    }

    mutating func key(_ bytes: UnsafeBufferPointer<UInt8>) {
        if depth == 1 {
            current = keys.firstIndex { $0.elementsEqual(bytes) }
        } else if reading {
            inner.key(bytes)
        }
    }

    mutating func endMember() {
        if depth == 1 {
            if let current { found[current] = inner.lastValue }
            current = nil
        } else if reading {
            inner.endMember()
        }
    }

    mutating func endObject() {
        if depth > 1, reading { inner.endObject() }
        depth -= 1
    }

    mutating func beginArray() {
        depth += 1
        if reading { inner.beginArray() }
    }

    mutating func endElement() { if reading { inner.endElement() } }

    mutating func endArray() {
        if reading { inner.endArray() }
        depth -= 1
    }
}
