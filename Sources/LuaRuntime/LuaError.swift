import CollectorValues

/// An error from Lua, or from crossing the boundary between Lua and Swift.
///
/// One type for all of them, so that callers can print it (message, where,
/// traceback) or branch on `kind` (a limit hit is not a bug in the script).
public struct LuaError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The chunk does not compile. See `isIncompleteInput`.
        case syntax
        /// `error(...)` or a failed operation while Lua ran.
        case runtime
        /// The state's memory cap was reached.
        case memory
        /// The instruction or time budget of the call ran out.
        case limit
        /// `interrupt()` stopped the running call.
        case interrupted
        /// A Swift function called from Lua threw; see `underlyingError`.
        case callback
        /// A value could not cross the boundary (a cycle, a function in a record, ...).
        case conversion
        /// The state was closed, or a value belongs to another state.
        case misuse
    }

    public var kind: Kind
    /// The message as Lua would print it, position prefix included; cut
    /// after `maxMessageBytes` (see `bounded(_:)`).
    public var message: String
    /// The chunk and line the message names, when it names one.
    public var chunkName: String?
    public var line: Int?
    /// Lua's stack traceback at the point of the error, when there was one.
    public var traceback: String?
    /// For a syntax error: the chunk ended before a construct was complete
    /// (`<eof>`), so a REPL should read another line.
    public var isIncompleteInput: Bool
    /// The error value, when Lua raised something other than a string (a table, nil).
    public var value: DataValue?
    /// The Swift error that a callback threw, for `.callback`.
    public var underlyingError: (any Error & Sendable)?

    public init(
        _ kind: Kind, _ message: String, traceback: String? = nil, value: DataValue? = nil,
        underlyingError: (any Error & Sendable)? = nil
    ) {
        self.kind = kind
        self.message = Self.bounded(message)
        self.traceback = traceback.map(Self.bounded)
        self.value = value
        self.underlyingError = underlyingError
        self.isIncompleteInput = kind == .syntax && message.hasSuffix("<eof>")
        (chunkName, line) = Self.position(in: message)
    }

    /// The most of a message kept: a script may raise megabytes, which
    /// would go whole into log lines and dead letters.
    public static let maxMessageBytes = 4096

    /// `text`, or its first `maxMessageBytes` bytes (whole characters) and
    /// a note of its length: `... (message cut: 10485760 bytes in all)`.
    public static func bounded(_ text: String) -> String {
        let count = text.utf8.count
        guard count > maxMessageBytes else { return text }
        var cut = text.utf8.index(text.utf8.startIndex, offsetBy: maxMessageBytes)
        while cut.samePosition(in: text.unicodeScalars) == nil { cut = text.utf8.index(before: cut) }
        return String(text.unicodeScalars[..<cut]) + "... (message cut: \(count) bytes in all)"
    }

    public var description: String {
        guard let traceback, !traceback.isEmpty else { return message }
        return message + "\n" + traceback
    }

    /// Finds the `chunk:line:` prefix that Lua puts before messages.
    static func position(in message: String) -> (String?, Int?) {
        let bytes = Array(message.utf8.prefix(512))
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: ":") {
                var j = i + 1
                var line = 0
                while j < bytes.count, let digit = Self.digit(bytes[j]) {
                    line = line * 10 + digit
                    j += 1
                }
                if j > i + 1, j < bytes.count, bytes[j] == UInt8(ascii: ":"), i > 0 {
                    return (String(decoding: bytes[..<i], as: UTF8.self), line)
                }
            }
            i += 1
        }
        return (nil, nil)
    }

    private static func digit(_ byte: UInt8) -> Int? {
        byte >= 48 && byte <= 57 ? Int(byte - 48) : nil
    }
}
