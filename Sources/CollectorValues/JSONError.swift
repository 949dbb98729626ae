/// A JSON text that `JSONReader` rejected, or a value that `JSONWriter` cannot
/// write as JSON.
///
/// Reading errors carry the byte `offset` of the offending byte (from 0) and
/// its `line` and `column` (from 1; lines end at `\n`, columns count UTF-8
/// sequences, so a multi-byte character is one column), e.g.
///
///     unexpected character ',' at byte 17 (line 1, column 18): trailing comma in object
///
/// Writing errors carry the `path` of the value that could not be written,
/// e.g. `cannot encode NaN at $.reading.value`.
public struct JSONError: Error, CustomStringConvertible, Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        // Reading.
        /// The input ended inside a value (or was empty).
        case unexpectedEndOfInput
        /// A byte that cannot appear where it is (including a trailing comma,
        /// `NaN`, `+1`, `.5`, a bad literal).
        case unexpectedCharacter
        /// A malformed number: leading zeros, `1.`, `1e`, `-`.
        case invalidNumber
        /// A number too large for a 64-bit float (it would be infinity).
        case numberOutOfRange
        /// A backslash escape that JSON does not have, or a malformed `\u` escape.
        case invalidEscape
        /// A `\u` escape of a lone UTF-16 surrogate.
        case invalidSurrogate
        /// Bytes that are not valid UTF-8.
        case invalidUTF8
        /// A control character (U+0000 to U+001F) not escaped inside a string.
        case controlCharacter
        /// Something other than whitespace after the top-level value.
        case trailingData
        /// Arrays and objects nested deeper than the reader's or writer's `maxDepth`.
        case depthLimitExceeded
        /// Whoever builds the value stopped the read: a limit of what it
        /// builds (memory, stack) was reached; the message says which.
        case stopped

        // Writing.
        /// NaN or an infinity: JSON has no such numbers.
        case nonFiniteNumber
        /// A `.bytes` value: JSON text is Unicode, and these bytes are not UTF-8.
        case invalidString
    }

    public let kind: Kind
    /// What went wrong, without the location: `unexpected character ','`.
    public let message: String
    /// Why, when it helps: `trailing comma in object`.
    public let detail: String?
    /// Reading: the offset of the offending byte in the input, from 0.
    public let offset: Int?
    /// Reading: the line of the offending byte, from 1.
    public let line: Int?
    /// Reading: the column of the offending byte, from 1.
    public let column: Int?
    /// Writing: where the offending value is, as `$.tags[3].name`.
    public let path: String?

    public init(
        kind: Kind, message: String, detail: String? = nil,
        offset: Int? = nil, line: Int? = nil, column: Int? = nil, path: String? = nil
    ) {
        self.kind = kind
        self.message = message
        self.detail = detail
        self.offset = offset
        self.line = line
        self.column = column
        self.path = path
    }

    public var description: String {
        var text = message
        if let offset {
            text += " at byte \(offset)"
            if let line, let column { text += " (line \(line), column \(column))" }
        } else if let line, let column {
            text += " at line \(line), column \(column)"
        }
        if let path { text += " at \(path)" }
        if let detail { text += ": \(detail)" }
        return text
    }
}

extension JSONError {
    /// The same reading error for a text that starts on line `firstLine` of
    /// a larger input (a line of a file): its line counts from there. The
    /// byte offset, which counts from the start of the text, is left out.
    public func located(atLine firstLine: Int) -> JSONError {
        guard let line else { return self }
        return JSONError(
            kind: kind, message: message, detail: detail, offset: nil, line: firstLine + line - 1, column: column,
            path: path)
    }

    /// An error a `JSONHandler` throws to stop the read; the reader adds
    /// where in the text it stopped.
    public static func stopped(_ message: String, detail: String? = nil) -> JSONError {
        JSONError(kind: .stopped, message: message, detail: detail)
    }

    /// A reading error at `offset` of `input`; the line and column are counted
    /// here, off the hot path.
    static func reading(
        _ kind: Kind, _ message: String, detail: String? = nil,
        at offset: Int, in input: UnsafePointer<UInt8>?
    ) -> JSONError {
        var line = 1
        var column = 1
        if let input {
            for i in 0..<offset {
                let byte = input[i]
                if byte == 0x0A {
                    line += 1
                    column = 1
                } else if byte & 0xC0 != 0x80 {
                    column += 1
                }
            }
        }
        return JSONError(
            kind: kind, message: message, detail: detail, offset: offset, line: line, column: column)
    }
}
