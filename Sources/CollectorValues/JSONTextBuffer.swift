/// JSON text built piece by piece, by an encoder that walks values of its
/// own (a Lua table) rather than a `DataValue`: the same text `JSONWriter`
/// writes for the same value — compact, integers exact, doubles in their
/// shortest round-trip form, strings escaped alike.
///
/// The pieces that have no JSON form (a non-finite double, a string that is
/// not UTF-8) are refused with `false` and leave nothing behind; an encoder
/// then `truncate`s to where its value began and takes another way.
public struct JSONTextBuffer: ~Copyable {
    private var output: JSONOutput

    public init(capacity: Int = 4096) {
        output = JSONOutput(capacity: capacity)
    }

    /// The bytes written so far.
    public var count: Int { output.byteCount }

    /// Forgets everything from `count` on.
    public mutating func truncate(to count: Int) {
        output.truncate(to: count)
    }

    /// A structural byte: `{` `}` `[` `]` `,` `:`.
    @inline(__always)
    public mutating func append(ascii byte: UInt8) {
        output.append(byte)
    }

    public mutating func appendNull() {
        append(static: "null")
    }

    public mutating func append(bool flag: Bool) {
        append(static: flag ? "true" : "false")
    }

    public mutating func append(integer: Int64) {
        JSONWriter.appendInteger(integer, to: &output)
    }

    /// False for NaN and ±infinity, which JSON cannot write.
    public mutating func append(double: Double) -> Bool {
        guard double.isFinite else { return false }
        JSONWriter.appendDouble(double, to: &output)
        return true
    }

    /// A string from its UTF-8 bytes, quoted and escaped; false (and nothing
    /// written) when the bytes are not valid UTF-8.
    public mutating func append(string utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        if JSONStringScan.isPlain(utf8) {
            // Most keys and values: one pass, then a copy.
            output.appendQuoted(utf8)
            return true
        }
        guard UTF8Validation.isValid(utf8) else { return false }
        JSONWriter.appendEscaped(utf8, to: &output)
        return true
    }

    /// A copy of the text, from `start` to the end.
    public func bytes(from start: Int = 0) -> [UInt8] {
        output.withBytes { Array($0[start...]) }
    }

    private mutating func append(static text: StaticString) {
        output.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}
