import CollectorValues
import Foundation

/// Where the engine and scripts log: levels, three formats, and a limit on
/// repeats, so that an error hit by every record does not flood the log.
///
/// A line whose level and message were already written in the last
/// `repeatWindow` is counted instead of written; the next time that message
/// gets through (after the window), or at `flush()`, a line says how many
/// were held back: `… repeated 1,234 times`.
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

    private struct Held {
        var lastWritten: ContinuousClock.Instant
        var suppressed: Int
        var fields: [(String, String)]
    }

    private struct State {
        var held: [String: Held] = [:]
    }

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

    /// Writes one line (or counts it, if it repeats). `fields` are written in order after the message.
    public func log(_ level: LogLevel, _ message: String, fields: [(String, String)] = []) {
        guard enabled(level) else { return }
        let key = "\(level.rawValue)\u{0}\(message)"
        let now = ContinuousClock.now
        let repeats: Int? = state.withLock { s in
            if var held = s.held[key], now - held.lastWritten < configuration.repeatWindow {
                held.suppressed += 1
                held.fields = fields
                s.held[key] = held
                return nil
            }
            let suppressed = s.held[key]?.suppressed ?? 0
            s.held[key] = Held(lastWritten: now, suppressed: 0, fields: fields)
            if s.held.count > 1024 { s.held = s.held.filter { now - $0.value.lastWritten < configuration.repeatWindow } }
            return suppressed
        }
        guard let repeats else { return }
        var all = fields
        if repeats > 0 { all.append(("repeated", String(repeats))) }
        write(format(level, message, all))
    }

    /// Writes the count of every message still held back.
    public func flush() {
        let pending = state.withLock { s -> [(String, Held)] in
            let pending = s.held.filter { $0.value.suppressed > 0 }.map { ($0.key, $0.value) }
            s.held = [:]
            return pending
        }
        for (key, held) in pending.sorted(by: { $0.0 < $1.0 }) {
            let parts = key.split(separator: "\u{0}", maxSplits: 1, omittingEmptySubsequences: false)
            let level = LogLevel(rawValue: Int(parts[0]) ?? 1) ?? .info
            let message = parts.count > 1 ? String(parts[1]) : ""
            let count = held.suppressed.formatted(.number.grouping(.automatic))
            write(format(level, "\(message) … repeated \(count) times", held.fields))
        }
    }

    func format(_ level: LogLevel, _ message: String, _ fields: [(String, String)]) -> String {
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
