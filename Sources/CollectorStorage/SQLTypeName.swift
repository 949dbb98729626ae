import Collectors

/// The rule for SQL type names a `Column` may declare (`sqlType`).
///
/// Types go into `CREATE TABLE` text, so they are checked like identifiers:
/// words of letters, digits and `_` separated by single spaces, optionally
/// followed by one or two numbers in parentheses: `varchar(10)`,
/// `double precision`, `numeric(12, 2)`.
package enum SQLTypeName {
    package static func validate(_ type: String, column: String) throws(ErrorInfo) {
        guard isValid(type) else {
            throw ErrorInfo(
                .configuration, layer: .storage, operation: "configure",
                message: "invalid SQL type \(SQLIdentifier.quotedForMessage(type)) for column '\(column)'",
                details: ["column": .string(column)]
            )
        }
    }

    package static func isValid(_ type: String) -> Bool {
        let bytes = Array(type.utf8)
        guard !bytes.isEmpty, bytes.count <= 64 else { return false }
        func isWordByte(_ b: UInt8) -> Bool {
            let lower = b | 0x20
            return (lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
                || b == UInt8(ascii: "_")
        }
        var i = 0
        // words
        var sawWord = false
        while i < bytes.count, bytes[i] != UInt8(ascii: "(") {
            guard isWordByte(bytes[i]) else { return false }
            while i < bytes.count, isWordByte(bytes[i]) { i += 1 }
            sawWord = true
            if i < bytes.count, bytes[i] == UInt8(ascii: " ") {
                i += 1
                guard i < bytes.count, isWordByte(bytes[i]) else { return false }
            }
        }
        guard sawWord else { return false }
        if i == bytes.count { return true }
        // "(" digits [", " digits] ")" at the very end
        let rest = String(decoding: bytes[i...], as: UTF8.self)
        let inner = rest.dropFirst().dropLast()
        guard rest.hasSuffix(")") else { return false }
        let parts = inner.split(separator: ",", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count) else { return false }
        return parts.allSatisfy { part in
            let digits = part.drop { $0 == " " }
            return !digits.isEmpty && digits.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        }
    }
}
