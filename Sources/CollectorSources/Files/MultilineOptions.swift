import Foundation

/// How lines of a file are merged into records (a stack trace under the
/// line that logged it): either a line matching `start` begins a record and
/// the lines after it that do not are appended, or a line matching
/// `continuation` is appended to the one before it. Patterns are Lua
/// patterns (as `string.match` takes; `%b`, `%f` and back references
/// excepted), matched natively (`LuaPatternTranslation`). A record ends when the next
/// one begins, at `maxLines` lines or `maxBytes` bytes, at the end of a file
/// read once, and, in a followed file, when no line came for `timeout`.
public struct MultilineOptions: Sendable, Hashable {
    public enum Rule: Sendable, Hashable {
        /// A line matching this begins a new record.
        case start(String)
        /// A line matching this is appended to the record before it.
        case continuation(String)
    }

    public var rule: Rule
    public var maxLines: Int
    public var maxBytes: Int
    public var timeout: Duration

    public init(rule: Rule, maxLines: Int = 500, maxBytes: Int = 1 << 20, timeout: Duration = .seconds(1)) {
        self.rule = rule
        self.maxLines = max(1, maxLines)
        self.maxBytes = max(1, maxBytes)
        self.timeout = timeout
    }

    /// Why the pattern cannot be used, or `nil` when it can.
    public static func problem(with pattern: String) -> String? {
        do {
            _ = try regex(pattern)
            return nil
        } catch {
            return "\"\(pattern)\": \(error.reason)"
        }
    }

    /// The Lua pattern compiled (as the POSIX regular expression it translates to).
    static func regex(_ pattern: String) throws(POSIXRegexError) -> POSIXRegex {
        let translated: String
        do {
            translated = try LuaPatternTranslation.regex(from: pattern)
        } catch {
            throw POSIXRegexError(pattern: pattern, reason: error.reason)
        }
        do {
            return try POSIXRegex(translated)
        } catch {
            throw POSIXRegexError(pattern: pattern, reason: "malformed pattern (\(error.reason))")
        }
    }
}
