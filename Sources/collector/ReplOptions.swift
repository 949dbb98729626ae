import CollectorScripting
import Collectors
import Foundation

/// The command line of `collector repl`: options, then at most one script.
struct ReplOptions {
    var script: String?
    var logLevel: LogLevel?
    var logFormat: LogFormat?
    /// `--memory SIZE`: what the session's Lua state may allocate in all.
    var memoryLimit = Self.defaultMemoryLimit
    static let defaultMemoryLimit = 1 << 30
    /// Below this the engine's own tables leave too little to work with.
    static let smallestMemoryLimit = 16 << 20
    var help = false

    /// An option that is not ours is a usage error, never a file name;
    /// after `--` a name starting with `-` is the script.
    static func parse(_ arguments: [String]) throws(RunOptions.UsageError) -> ReplOptions {
        var options = ReplOptions()
        var i = 0
        var optionsEnded = false
        func value(_ flag: String) throws(RunOptions.UsageError) -> String {
            i += 1
            guard i < arguments.count else { throw RunOptions.UsageError(description: "\(flag) needs a value") }
            return arguments[i]
        }
        while i < arguments.count {
            var argument = arguments[i]
            var inlineValue: String?
            if !optionsEnded, argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                inlineValue = String(argument[argument.index(after: equals)...])
                argument = String(argument[..<equals])
            }
            func optionValue() throws(RunOptions.UsageError) -> String {
                if let inlineValue { return inlineValue }
                return try value(argument)
            }
            switch optionsEnded ? "" : argument {
            case "--": optionsEnded = true
            case "-h", "--help": options.help = true
            case "--log-level":
                let text = try optionValue()
                guard let level = LogLevel(name: text) else {
                    throw RunOptions.UsageError(description: "--log-level must be debug, info, warn or error, got '\(text)'")
                }
                options.logLevel = level
            case "--memory":
                let text = try optionValue()
                guard let size = ScriptBindings.Settings.size(parsing: text), size >= Self.smallestMemoryLimit else {
                    throw RunOptions.UsageError(description: "--memory must be a size of at least 16MB, such as 512MB or 2GB, got '\(text)'")
                }
                options.memoryLimit = size
            case "--log-format":
                let text = try optionValue()
                guard let format = LogFormat(rawValue: text) else {
                    throw RunOptions.UsageError(description: "--log-format must be human, logfmt or json, got '\(text)'")
                }
                options.logFormat = format
            default:
                if !optionsEnded, argument.hasPrefix("-"), argument != "-" {
                    throw RunOptions.UsageError(description: "unknown option '\(arguments[i])'")
                }
                guard options.script == nil else {
                    throw RunOptions.UsageError(description: "one script at most, got '\(options.script!)' and '\(argument)'")
                }
                options.script = arguments[i]
            }
            i += 1
        }
        return options
    }

    /// Where background pipelines' log lines go: as `collector run` decides
    /// (`--log-level`, else `LOG_LEVEL`; human on a terminal, else logfmt).
    func logSink() -> LogSink {
        var run = RunOptions()
        run.logLevel = logLevel
        run.logFormat = logFormat
        return run.logSink()
    }
}
