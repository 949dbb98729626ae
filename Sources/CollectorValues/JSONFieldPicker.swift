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
    /// escapes, a number, a literal. Nil for anything else (an escape, a
    /// container), which the reader reads.
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
            return number(ofCompact: text)
        case UInt8(ascii: "t"): return .bool(true)
        case UInt8(ascii: "f"): return .bool(false)
        case UInt8(ascii: "n"): return .null
        default: return nil
        }
    }

    /// The number of one compact JSON text (a field's, from `ranges`):
    /// `.integer` or `.double` as the reader would read it; nil when the
    /// text is not a number.
    public static func number(ofCompact text: UnsafeBufferPointer<UInt8>) -> DataValue? {
        guard let base = text.baseAddress, let first = text.first, first == UInt8(ascii: "-") || first &- UInt8(ascii: "0") < 10 else {
            return nil
        }
        // The reader's own number parser (its exact fast path, then the
        // correctly rounded one), which refuses what JSON does ("1.", "01").
        var parser = JSONParser(base: base, end: text.count, maxDepth: 0)
        var number = NumberBuilder()
        guard (try? parser.parse(into: &number)) != nil else { return nil }
        return number.value
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

/// Keeps the number a one-number document holds (`number(ofCompact:)` lets
/// nothing else reach it).
private struct NumberBuilder: JSONBuilder {
    var value: DataValue?

    mutating func integer(_ value: Int64) { self.value = .integer(value) }
    mutating func double(_ value: Double) { self.value = .double(value) }
    mutating func null() {}
    mutating func bool(_ value: Bool) {}
    mutating func string(_ bytes: UnsafeBufferPointer<UInt8>) {}
    mutating func beginObject() {}
    mutating func key(_ bytes: UnsafeBufferPointer<UInt8>) {}
    mutating func endMember() {}
    mutating func endObject() {}
    mutating func beginArray() {}
    mutating func endElement() {}
    mutating func endArray() {}
}
