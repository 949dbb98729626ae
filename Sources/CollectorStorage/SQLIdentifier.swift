import Collectors

/// A table or column name that is safe to put into SQL text.
///
/// Identifiers cannot be bound as parameters, so they are the one place where
/// configuration reaches SQL text. Two locks: the name must match
/// `[A-Za-z_][A-Za-z0-9_]*` (at most 63 bytes, PostgreSQL's limit), and it is
/// always written double-quoted. Quotes, semicolons, `--`, spaces and dots
/// never get past the first lock, so the second never needs escaping.
package struct SQLIdentifier: Sendable, Hashable, CustomStringConvertible {
    package let name: String

    package init(_ name: String, kind: String, layer: Layer = .storage, operation: String = "configure") throws(ErrorInfo) {
        guard Self.isValid(name) else {
            throw ErrorInfo(
                .validation, layer: layer, operation: operation,
                message: "invalid \(kind) name \(Self.quotedForMessage(name)): use letters, digits and _ (not starting with a digit, at most 63)",
                details: ["name": .string(name)]
            )
        }
        self.name = name
    }

    /// The name as SQL text: `"name"`.
    package var quoted: String { "\"\(name)\"" }

    package var description: String { quoted }

    package static func isValid(_ name: String) -> Bool {
        let bytes = name.utf8
        guard let first = bytes.first, bytes.count <= 63 else { return false }
        guard isLetter(first) || first == UInt8(ascii: "_") else { return false }
        return bytes.allSatisfy { isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "_") }
    }

    /// A name for an error message: control characters escaped so a hostile
    /// name cannot forge log lines.
    package static func quotedForMessage(_ name: String) -> String {
        var out = "'"
        for scalar in name.unicodeScalars.prefix(80) {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out + (name.unicodeScalars.count > 80 ? "...'" : "'")
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}
