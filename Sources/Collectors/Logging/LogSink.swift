import CollectorValues
import Foundation

/// Where the engine and scripts log: levels, three formats, and a limit on
/// repeats, so that an error hit by every record does not flood the log.
///
/// A line whose level, message and fields were all written in the last
/// `repeatWindow` is counted instead of written (fields named in `context`,
/// such as the record a line is about, do not make a line different); the
/// next time that line gets through (after the window), or at `flush()`, it
/// says how many were held back: `repeated=N` in logfmt and JSON, `… repeated
/// N times` in the human format.
public final class LogSink: Sendable {
    public struct Configuration: Sendable {
        public var level: LogLevel
        public var format: LogFormat
        /// ANSI colours (human format only).
        public var color: Bool
        public var repeatWindow: Duration

        public init(level: LogLevel = .info, format: LogFormat = .human, color: Bool = false, repeatWindow: Duration = .seconds(5)) {
            self.level = level
            self.format = format
            self.color = color
            self.repeatWindow = repeatWindow
        }
    }

    /// What makes two lines the same line.
    private struct Identity: Hashable {
        var level: LogLevel
        var message: String
        var fields: [String]
    }

    private struct Held {
        var lastWritten: ContinuousClock.Instant
        var suppressed: Int
        /// The fields of the last line held back (its context may differ from the first's).
        var fields: [(String, String)]
    }

    private struct State {
        var held: [Identity: Held] = [:]
        /// When the lines were last swept of those past the window.
        var lastSweep = ContinuousClock.now
    }

    /// Distinct lines remembered at most; past this, held counts are written and forgotten.
    private static let heldLimit = 1024

    public let configuration: Configuration
    private let write: @Sendable (String) -> Void
    private let state = Locked(State())

    /// - Parameter write: receives each line with its newline; the default writes to standard error.
    public init(_ configuration: Configuration = Configuration(), write: (@Sendable (String) -> Void)? = nil) {
        self.configuration = configuration
        let write = write ?? { line in StandardError.write(line) }
        // Every line leaves through here: no secret goes with it.
        self.write = { line in write(SecretRedactor.shared.redact(line)) }
    }

    /// Whether a line of `level` would be written.
    public func enabled(_ level: LogLevel) -> Bool { level >= configuration.level }

    /// Writes one line (or counts it, if the same line was written within the
    /// repeat window). `fields` are written in order after the message; those
    /// whose names are in `context` are written but do not tell lines apart.
    public func log(_ level: LogLevel, _ message: String, fields: [(String, String)] = [], context: Set<String> = []) {
        guard enabled(level) else { return }
        var identityFields: [String] = []
        for (key, value) in fields where !context.contains(key) {
            identityFields.append(key)
            identityFields.append(value)
        }
        let identity = Identity(level: level, message: message, fields: identityFields)
        let now = ContinuousClock.now
        let window = configuration.repeatWindow
        var overflow: [(Identity, Held)] = []
        let repeats: Int? = state.withLock { s in
            if var held = s.held[identity], now - held.lastWritten < window {
                held.suppressed += 1
                held.fields = fields
                s.held[identity] = held
                return nil
            }
            let suppressed = s.held[identity]?.suppressed ?? 0
            s.held[identity] = Held(lastWritten: now, suppressed: 0, fields: fields)
            if s.held.count > Self.heldLimit, now - s.lastSweep >= window {
                // Lines past the window are no longer repeats; their counts are written, not lost.
                s.lastSweep = now
                overflow = s.held.filter { now - $0.value.lastWritten >= window }.map { ($0.key, $0.value) }
                for (key, _) in overflow { s.held[key] = nil }
            }
            if s.held.count > Self.heldLimit {
                overflow += s.held.filter { $0.key != identity }.map { ($0.key, $0.value) }
                s.held = s.held.filter { $0.key == identity }
            }
            return suppressed
        }
        writeCounts(overflow)
        guard let repeats else { return }
        write(format(level, message, fields, repeated: repeats))
    }

    /// Writes the count of every line still held back.
    public func flush() {
        let pending = state.withLock { s -> [(Identity, Held)] in
            let pending = s.held.map { ($0.key, $0.value) }
            s.held = [:]
            return pending
        }
        writeCounts(pending)
    }

    private func writeCounts(_ lines: [(Identity, Held)]) {
        let counted = lines.filter { $0.1.suppressed > 0 }.sorted { ($0.0.level.rawValue, $0.0.message) < ($1.0.level.rawValue, $1.0.message) }
        for (identity, held) in counted {
            write(format(identity.level, identity.message, held.fields, repeated: held.suppressed))
        }
    }

    /// A line; `repeated`: how many of it were held back before it (0: none).
    func format(_ level: LogLevel, _ message: String, _ fields: [(String, String)], repeated: Int) -> String {
        guard repeated > 0 else { return format(level, message, fields) }
        switch configuration.format {
        case .human:
            let count = repeated.formatted(.number.grouping(.automatic))
            return format(level, "\(message) … repeated \(count) times", fields)
        case .logfmt:
            return format(level, message, fields + [("repeated", String(repeated))])
        case .json:
            return format(level, message, fields, extra: [("repeated", .integer(Int64(repeated)))])
        }
    }

    func format(_ level: LogLevel, _ message: String, _ fields: [(String, String)], extra: [(String, DataValue)] = []) -> String {
        let date = Date()
        switch configuration.format {
        case .human:
            let time = Self.clockTime(date)
            var label = level.description.uppercased().padding(toLength: 5, withPad: " ", startingAt: 0)
            if configuration.color {
                let code = switch level {
                case .debug: "2"
                case .info: "36"
                case .warn: "33"
                case .error: "31"
                }
                label = "\u{1B}[\(code)m\(label)\u{1B}[0m"
            }
            var line = "\(time) \(label) \(message)"
            for (key, value) in fields { line += "  \(key)=\(Self.logfmtValue(value))" }
            return line + "\n"
        case .logfmt:
            var line = "time=\(ISO8601Timestamp.string(secondsSince1970: date.timeIntervalSince1970)) level=\(level) msg=\(Self.logfmtValue(message, alwaysQuote: true))"
            for (key, value) in fields { line += " \(key)=\(Self.logfmtValue(value))" }
            return line + "\n"
        case .json:
            var object = DataObject(minimumCapacity: 3 + fields.count)
            object["time"] = .string(ISO8601Timestamp.string(secondsSince1970: date.timeIntervalSince1970))
            object["level"] = .string(level.description)
            object["msg"] = .string(message)
            for (key, value) in fields where object[key] == nil { object[key] = .string(value) }
            for (key, value) in extra { object[key] = value }
            let text = (try? JSONWriter().string(.object(object))) ?? "{}"
            return text + "\n"
        }
    }

    private static func clockTime(_ date: Date) -> String {
        let stamp = ISO8601Timestamp.string(secondsSince1970: date.timeIntervalSince1970)
        // 2026-11-29T12:00:01.234Z -> 12:00:01.234
        guard let t = stamp.firstIndex(of: "T") else { return stamp }
        return String(stamp[stamp.index(after: t)...].prefix(12))
    }

    /// A logfmt value: bare when it is a plain word, else quoted with escapes.
    static func logfmtValue(_ value: String, alwaysQuote: Bool = false) -> String {
        let plain = !value.isEmpty && value.unicodeScalars.allSatisfy { $0.value > 0x20 && $0 != "\"" && $0 != "=" && $0 != "\\" && $0.value != 0x7F }
        if plain && !alwaysQuote { return value }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
