import CollectorScripting
import Collectors
import Foundation

/// The command line of `collector run` and `collector check`.
struct RunOptions {
    var script: String?
    /// `arg[1...]` of the script.
    var scriptArguments: [String] = []
    var once = false
    /// `--watch`: reload processor files when they change.
    var watch = false
    /// `--shadow`: with `--watch`, a saved processor runs beside the live one instead of replacing it.
    var shadow = false
    /// `--shadow-interval DURATION`: how often a shadow run's counts are logged.
    var shadowInterval: Duration?
    /// `--shadow-promote-after N`: promote once N records were compared with no difference.
    var shadowPromoteAfter: Int?
    var workers: Int?
    var quiet = false
    var overrides: [String: String] = [:]
    var envFile: String?
    var logLevel: LogLevel?
    var logFormat: LogFormat?
    /// `--metrics [HOST:]PORT`: serve /metrics, /health and /ready there.
    var metricsAddress: String?
    /// `--cluster URL`: share the script's sources with the other collectors of the cluster (PostgreSQL).
    var clusterURL: String?
    /// `--drain-timeout DURATION`: how long a pipeline's drain may take once its sources stopped.
    var drainTimeout: Duration = Self.defaultDrainTimeout
    static let defaultDrainTimeout = Duration.seconds(30)
    /// `--stall-timeout DURATION`: how long a pipeline may have records waiting
    /// with none moving on before `/health` says it is stuck.
    var stallTimeout: Duration = .seconds(300)
    /// `--state-dir DIR`: pipelines keep their resume state in DIR/SCRIPT.state.db.
    var stateDirectory: String?
    var help = false

    struct UsageError: Error, CustomStringConvertible {
        var description: String
    }

    /// Options come before or after the script; everything after the script
    /// that is not an option of ours, and everything after `--`, goes to the script.
    static func parse(_ arguments: [String]) throws(UsageError) -> RunOptions {
        var options = RunOptions()
        var i = 0
        func value(_ flag: String) throws(UsageError) -> String {
            i += 1
            guard i < arguments.count else { throw UsageError(description: "\(flag) needs a value") }
            return arguments[i]
        }
        while i < arguments.count {
            let argument = arguments[i]
            if argument == "--" {
                options.scriptArguments += arguments[(i + 1)...]
                break
            }
            switch argument {
            case "-h", "--help": options.help = true
            case "--once": options.once = true
            case "--watch": options.watch = true
            case "--shadow": options.shadow = true
            case "--shadow-interval":
                let text = try value(argument)
                guard let interval = ScriptBindings.Settings.duration(parsing: text), interval >= .milliseconds(10) else {
                    throw UsageError(description: "--shadow-interval must be a duration of at least 10ms such as 10s or 1m, got '\(text)'")
                }
                options.shadowInterval = interval
            case "--shadow-promote-after":
                let text = try value(argument)
                guard let n = Int(text), n >= 1 else {
                    throw UsageError(description: "--shadow-promote-after must be a whole number of records from 1, got '\(text)'")
                }
                options.shadowPromoteAfter = n
            case "--quiet", "-q": options.quiet = true
            case "--workers":
                let text = try value(argument)
                guard let n = Int(text), n >= 1, n <= 1024 else {
                    throw UsageError(description: "--workers must be a whole number from 1 to 1024, got '\(text)'")
                }
                options.workers = n
            case "--set":
                let pair = try value(argument)
                guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                    throw UsageError(description: "--set takes KEY=VALUE, got '\(pair)'")
                }
                options.overrides[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            case "--env-file":
                options.envFile = try value(argument)
            case "--metrics":
                options.metricsAddress = try value(argument)
            case "--state-dir":
                let directory = try value(argument)
                guard !directory.isEmpty else { throw UsageError(description: "--state-dir needs a directory") }
                options.stateDirectory = directory
            case "--cluster":
                let url = try value(argument)
                guard url.hasPrefix("postgresql://") || url.hasPrefix("postgres://") || url.contains("=") else {
                    throw UsageError(description: "--cluster takes a PostgreSQL URL (postgresql://user:password@host:port/database), got '\(url)'")
                }
                options.clusterURL = url
            case "--drain-timeout":
                let text = try value(argument)
                guard let timeout = ScriptBindings.Settings.duration(parsing: text) else {
                    throw UsageError(description: "--drain-timeout must be a duration such as 30s, 500ms or 2m, got '\(text)'")
                }
                options.drainTimeout = timeout
            case "--stall-timeout":
                let text = try value(argument)
                guard let timeout = ScriptBindings.Settings.duration(parsing: text), timeout > .zero else {
                    throw UsageError(description: "--stall-timeout must be a duration such as 5m, 90s or 1h, got '\(text)'")
                }
                options.stallTimeout = timeout
            case "--log-level":
                let text = try value(argument)
                guard let level = LogLevel(name: text) else {
                    throw UsageError(description: "--log-level must be debug, info, warn or error, got '\(text)'")
                }
                options.logLevel = level
            case "--log-format":
                let text = try value(argument)
                guard let format = LogFormat(rawValue: text) else {
                    throw UsageError(description: "--log-format must be human, logfmt or json, got '\(text)'")
                }
                options.logFormat = format
            default:
                if options.script == nil {
                    guard !argument.hasPrefix("-") || argument == "-" else {
                        throw UsageError(description: "unknown option '\(argument)'")
                    }
                    options.script = argument
                } else {
                    options.scriptArguments.append(argument)
                }
            }
            i += 1
        }
        if options.shadow, !options.watch {
            throw UsageError(description: "--shadow works with --watch (a saved processor runs beside the live one)")
        }
        if !options.shadow, options.shadowInterval != nil || options.shadowPromoteAfter != nil {
            let flag = options.shadowInterval != nil ? "--shadow-interval" : "--shadow-promote-after"
            throw UsageError(description: "\(flag) works with --watch --shadow")
        }
        return options
    }

    /// The script's environment: the process's, the env file under it, `--set` over both.
    func environment() throws(UsageError) -> ScriptEnvironment {
        var fileValues: [String: String] = [:]
        if let envFile {
            let text: String
            do {
                text = try String(contentsOfFile: envFile, encoding: .utf8)
            } catch {
                throw UsageError(description: "cannot read the env file \(envFile): \(error.localizedDescription)")
            }
            do {
                fileValues = try ScriptEnvironment.parseEnvFile(text, path: envFile)
            } catch {
                throw UsageError(description: "env file \(error)")
            }
        }
        return ScriptEnvironment(overrides: overrides, fileValues: fileValues)
    }

    /// Where logs go: level from `--log-level`, `LOG_LEVEL`, `--quiet` (warn) or `DEBUG=1`; the
    /// format from `--log-format`, else human on a terminal and logfmt otherwise; colours only on
    /// a terminal and never with `NO_COLOR`.
    func logSink(environment: [String: String] = ProcessInfo.processInfo.environment) -> LogSink {
        let terminal = isatty(2) != 0
        var level = logLevel ?? environment["LOG_LEVEL"].flatMap(LogLevel.init(name:)) ?? .info
        if logLevel == nil, environment["LOG_LEVEL"] == nil, ["1", "true", "yes"].contains(environment["DEBUG"]?.lowercased() ?? "") {
            level = .debug
        }
        if quiet { level = max(level, .warn) }
        let format = logFormat ?? (terminal ? .human : .logfmt)
        let color = terminal && format == .human && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
        return LogSink(.init(level: level, format: format, color: color))
    }
}
