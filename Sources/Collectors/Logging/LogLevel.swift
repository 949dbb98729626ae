/// How much a log line matters; lines below the configured level are not written.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case debug, info, warn, error

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        switch self {
        case .debug: "debug"
        case .info: "info"
        case .warn: "warn"
        case .error: "error"
        }
    }

    /// `debug`, `info`, `warn` (or `warning`), `error`, any case; nil for anything else.
    public init?(name: String) {
        switch name.lowercased() {
        case "debug", "trace": self = .debug
        case "info": self = .info
        case "warn", "warning": self = .warn
        case "error": self = .error
        default: return nil
        }
    }
}

/// How log lines are written.
public enum LogFormat: String, Sendable, CaseIterable {
    /// `12:00:01.234 WARN  message  key=value`, coloured when `color` is on (a terminal).
    case human
    /// `time=... level=warn msg="message" key=value` (logfmt).
    case logfmt
    /// One JSON object a line: `{"time":...,"level":"warn","msg":"...","key":"value"}`.
    case json
}
