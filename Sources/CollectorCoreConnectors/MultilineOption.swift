import CollectorScripting
import CollectorSources
import CollectorValues
import Collectors

/// `multiline = { start = ..., continue = ..., max_lines =, max_bytes =, timeout = }`
/// of the file sources, read into `MultilineOptions`.
package enum MultilineOption {
    package static let option = ConnectorOption(
        "multiline", .table,
        annotation: "{ start: string?, continue: string?, max_lines: integer?, max_bytes: collector.Size?, timeout: collector.Duration? }",
        "lines merged into records (joined with \"\\n\"): `start` (a line matching it begins a record) or `continue` (a line matching it joins the one before), Lua patterns (as in `string.match`; not `%b`, `%f` or back references); `max_lines` (500) and `max_bytes` (\"1MB\") bound a record, `timeout` (\"1s\") hands on the last one of a followed file when no line follows; with `jsonl`, a record is one JSON document (see [sources/file.md](sources/file.md))"
    )

    private static let keys = ["start", "continue", "max_lines", "max_bytes", "timeout"]

    package static func read(_ options: ScriptOptions) throws -> MultilineOptions? {
        guard let value = try options.data("multiline") else { return nil }
        guard case .object(let table) = value else {
            throw options.problem("option 'multiline' must be a table { start = \"...\" } or { continue = \"...\" }")
        }
        for entry in table where !keys.contains(entry.key) {
            throw options.problem("option 'multiline': unknown key '\(entry.key)'; keys are: " + keys.joined(separator: ", "))
        }
        let rule: MultilineOptions.Rule
        switch (table["start"], table["continue"]) {
        case (.string(let pattern)?, nil): rule = .start(try checked(pattern, "start", options))
        case (nil, .string(let pattern)?): rule = .continuation(try checked(pattern, "continue", options))
        case (nil, nil): throw options.problem("option 'multiline' needs 'start' or 'continue' (a Lua pattern)")
        case (_?, _?): throw options.problem("option 'multiline' takes 'start' or 'continue', not both")
        default: throw options.problem("option 'multiline': 'start' and 'continue' must be strings (patterns)")
        }
        var settings = MultilineOptions(rule: rule)
        if let lines = table["max_lines"] {
            guard case .integer(let count) = lines, count >= 1, count <= 1_000_000 else {
                throw options.problem("option 'multiline': 'max_lines' must be an integer from 1 to 1000000")
            }
            settings.maxLines = Int(count)
        }
        if let bytes = table["max_bytes"] {
            let size: Int? =
                switch bytes {
                case .integer(let count): Int(exactly: count)
                case .string(let text): ScriptBindings.Settings.size(parsing: text)
                default: nil
                }
            guard let size, size >= 1, size <= 1 << 30 else {
                throw options.problem("option 'multiline': 'max_bytes' must be a size from 1 byte to 1GB (\"64KB\", \"1MB\" or bytes)")
            }
            settings.maxBytes = size
        }
        if let timeout = table["timeout"] {
            let duration: Duration? =
                switch timeout {
                case .integer(let seconds): .seconds(seconds)
                // Bounded before the conversion: a huge number must be an error, not a trap.
                case .double(let seconds) where seconds.isFinite && abs(seconds) <= 1e6: .milliseconds(Int64(seconds * 1000))
                case .string(let text): ScriptBindings.Settings.duration(parsing: text)
                default: nil
                }
            guard let duration, duration >= .milliseconds(1), duration <= .seconds(3600) else {
                throw options.problem("option 'multiline': 'timeout' must be a duration from 1ms to 1h (\"500ms\", \"2s\" or seconds)")
            }
            settings.timeout = duration
        }
        return settings
    }

    private static func checked(_ pattern: String, _ key: String, _ options: ScriptOptions) throws -> String {
        if let problem = MultilineOptions.problem(with: pattern) { throw options.problem("option 'multiline': '\(key)': \(problem)") }
        return pattern
    }
}
