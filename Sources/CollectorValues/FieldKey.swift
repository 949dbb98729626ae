/// How record keys compare: byte for byte, as JSON (RFC 8259 compares code
/// points), Lua tables and every other JSON tool do, and not as Swift's
/// `String ==` (canonical equivalence), which would merge `"é"` written as
/// U+00E9 with `"é"` written as `e` + U+0301 into one field.
public enum FieldKey {
    /// Whether two keys are the same key: the same UTF-8 bytes.
    @inlinable
    public static func same(_ a: String, _ b: String) -> Bool {
        let count = a.utf8.count
        guard count == b.utf8.count else { return false }
        let compared = a.utf8.withContiguousStorageIfAvailable { left in
            b.utf8.withContiguousStorageIfAvailable { right in left.elementsEqual(right) }
        }
        if let compared, let compared { return compared }
        return a.utf8.elementsEqual(b.utf8)
    }

    /// A key as a dictionary key with the same byte-for-byte equality.
    /// (String's hash agrees: equal bytes are canonically equivalent.)
    public struct Bytes: Hashable, Sendable {
        public let string: String

        public init(_ string: String) { self.string = string }

        public static func == (lhs: Bytes, rhs: Bytes) -> Bool { FieldKey.same(lhs.string, rhs.string) }

        public func hash(into hasher: inout Hasher) { hasher.combine(string) }
    }
}
