import Glibc
import LuaRuntime

/// The `time` table, in scripts and in (sandboxed) processors:
/// `time.parse(text [, format])`, `time.format(seconds [, format [, offset]])`
/// and `time.now()`. Pure functions over seconds since the epoch (UTC), with
/// no locale and no time zone database; `now` reads `clock`.
enum TimeLibrary {
    /// Where `time.now()` reads the time: the real clock, or a test's simulated one.
    enum Clock {
        case real
        case simulated(SimulatedNow)
    }

    static func install(in lua: LuaState, clock: Clock = .real) throws {
        let table = try lua.table(.object([:]))
        guard case .table(let time) = table else { return }
        try lua.set(time, "parse", try lua.function("time.parse") { call in
            let text = call.value(1)
            let format = try formatArgument(call, 2, "time.parse")
            let parsed: ParsedTime
            do {
                switch text {
                case .string(let string): parsed = try TimeParser.parse(string, format: format)
                case .bytes(let raw): parsed = try TimeParser.parse(bytes: raw, format: format)
                default:
                    throw LuaArgumentError(position: 1, function: "time.parse", problem: "string expected, got \(text.typeName)")
                }
            } catch let error as TimeTextError {
                var shown = text.stringValue ?? ""
                if case .bytes(let raw) = text { shown = String(decoding: raw, as: UTF8.self) }
                throw LuaCallError("time.parse: \(quote(shown)): \(error.message)")
            }
            if let whole = parsed.integerValue { try call.push(whole) } else { try call.push(parsed.doubleValue) }
            return 1
        })
        try lua.set(time, "format", try lua.function("time.format") { call in
            let seconds: Double
            switch call.value(1) {
            case .integer(let value): seconds = Double(value)
            case .number(let value): seconds = value
            case let other:
                throw LuaArgumentError(position: 1, function: "time.format", problem: "number expected (seconds since the epoch), got \(other.typeName)")
            }
            let format = try formatArgument(call, 2, "time.format")
            let offset = try offsetArgument(call, 3)
            do {
                try call.push(try TimeFormatter.format(seconds, format: format, offset: offset))
            } catch let error as TimeTextError {
                throw LuaCallError("time.format: \(error.message)")
            }
            return 1
        })
        try lua.set(time, "now", try lua.function("time.now") { call in
            switch clock {
            case .real: try call.push(realNow())
            case .simulated(let now): try call.push(now.seconds)
            }
            return 1
        })
        try lua.setGlobal("time", table)
    }

    static func realNow() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    private static func formatArgument(_ call: LuaCall, _ position: Int, _ function: String) throws -> String? {
        switch call.value(position) {
        case .nil: return nil
        case .string(let format): return format
        case .bytes:
            throw LuaArgumentError(position: position, function: function, problem: "the format is not valid UTF-8")
        case let other:
            throw LuaArgumentError(position: position, function: function, problem: "format string expected, got \(other.typeName)")
        }
    }

    /// Seconds east of UTC (`3600`), or text (`"+01:00"`, `"-0530"`, `"Z"`, `"UTC"`).
    private static func offsetArgument(_ call: LuaCall, _ position: Int) throws -> Int64 {
        let problem = "offset expected (seconds east of UTC, or \"+hh:mm\"), got "
        let seconds: Int64
        switch call.value(position) {
        case .nil: return 0
        case .integer(let value): seconds = value
        case .number(let value):
            guard value.isFinite, value == value.rounded(), abs(value) < 1e9 else {
                throw LuaArgumentError(position: position, function: "time.format", problem: problem + "\(value)")
            }
            seconds = Int64(value)
        case .string(let text):
            if text == "UTC" || text == "GMT" { return 0 }
            var copy = text
            let read = copy.withUTF8 { bytes -> Int64? in
                var scanner = TimeScanner(bytes)
                guard let offset = try? scanner.offset(), scanner.atEnd else { return nil }
                return offset
            }
            guard let read else { throw LuaArgumentError(position: position, function: "time.format", problem: problem + quote(text)) }
            return read
        case .bytes:
            throw LuaArgumentError(position: position, function: "time.format", problem: "the offset is not valid UTF-8")
        case let other:
            throw LuaArgumentError(position: position, function: "time.format", problem: problem + other.typeName)
        }
        guard abs(seconds) < 86_400, seconds % 60 == 0 else {
            throw LuaArgumentError(
                position: position, function: "time.format",
                problem: "offset \(seconds) out of range (whole minutes under a day, -86340 to 86340 seconds)")
        }
        return seconds
    }

    /// The text as it may appear in a message: quoted and escaped, cut after 64 characters.
    static func quote(_ text: String) -> String {
        text.count > 64 ? String(text.prefix(64)).debugDescription + "..." : text.debugDescription
    }
}
