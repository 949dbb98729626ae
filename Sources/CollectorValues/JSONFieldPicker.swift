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
