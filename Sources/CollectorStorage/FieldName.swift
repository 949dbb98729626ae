import Collectors

/// The rule for record field names that queries name (filters, sort keys).
///
/// SQL backends turn a field name into a JSON path (`$."name"` in SQLite) or
/// bind it as a parameter (`data -> $1` in PostgreSQL); either way the name is
/// checked first, so every backend accepts the same names: 1 to 128
/// characters, letters, digits, `_` and `-`, not starting with a digit or `-`.
/// Everything else (quotes, `.`, `$`, `[`, spaces, `;`) is a validation error.
package enum FieldName {
    package static func validate(_ name: String, operation: String) throws(ErrorInfo) {
        guard isValid(name) else {
            throw ErrorInfo(
                .validation, layer: .storage, operation: operation,
                message: "invalid field name \(SQLIdentifier.quotedForMessage(name)) in the query: use letters, digits, _ and - (not starting with a digit or -, at most 128)",
                details: ["field": .string(name)]
            )
        }
    }

    package static func isValid(_ name: String) -> Bool {
        let bytes = name.utf8
        guard let first = bytes.first, bytes.count <= 128 else { return false }
        func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z") }
        func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        guard isLetter(first) || first == UInt8(ascii: "_") else { return false }
        return bytes.allSatisfy { isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }
}
