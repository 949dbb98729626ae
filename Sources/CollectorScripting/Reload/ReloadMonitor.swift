import Collectors
import Foundation

/// The reloads of one Lua processor as the outside sees them: counters, the
/// latest outcomes, an event for each (`reload_succeeded`, `reload_failed`,
/// `reload_rolled_back`) and a log line, through a `LogSink` (so that it has
/// the format the rest of the log has) or a handler of plain lines.
public final class ReloadMonitor: Sendable {
    /// Counters since the processor was loaded.
    public struct Statistics: Sendable, Hashable {
        /// Versions swapped in (a version later rolled back counts here too).
        public var reloaded = 0
        /// Versions rejected before they ran.
        public var failed = 0
        /// Versions rolled back after they were swapped in.
        public var rolledBack = 0
    }

    /// Outcomes kept for `outcomes`; older ones are dropped.
    public static let historySize = 1000

    private struct State {
        var statistics = Statistics()
        var history: [ReloadOutcome] = []
        var emitter: (any EventEmitter)?
        var log: (@Sendable (LogLevel, String) -> Void)? = ReloadMonitor.standardError
    }

    private let state = Locked(State())

    init() {}

    /// The counters now.
    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// The latest outcomes, oldest first (`unchanged` is not kept).
    public var outcomes: [ReloadOutcome] { state.withLock { $0.history } }

    /// Sends an event for every later outcome to `emitter`.
    public func report(to emitter: (any EventEmitter)?) {
        state.withLock { $0.emitter = emitter }
    }

    /// Where log lines go: stderr until this is called; `nil` for nowhere.
    public func log(to handler: (@Sendable (String) -> Void)?) {
        let leveled: (@Sendable (LogLevel, String) -> Void)?
        if let handler {
            leveled = { _, line in handler(line) }
        } else {
            leveled = nil
        }
        state.withLock { $0.log = leveled }
    }

    /// Log lines go to `sink`, in its format: a version swapped in is `info`,
    /// a refused one `error`, a rollback `warn`.
    public func log(to sink: LogSink) {
        state.withLock { $0.log = { level, line in sink.log(level, line) } }
    }

    func record(_ outcome: ReloadOutcome) {
        // `unchanged` is a log line only: it confirms the save was seen, and counts as nothing.
        guard outcome.kind != .unchanged else {
            state.withLock { $0.log }?(.info, outcome.description)
            return
        }
        let (emitter, log) = state.withLock { s in
            switch outcome.kind {
            case .reloaded: s.statistics.reloaded += 1
            case .failed: s.statistics.failed += 1
            case .rolledBack: s.statistics.rolledBack += 1
            case .unchanged: break
            }
            s.history.append(outcome)
            if s.history.count > Self.historySize { s.history.removeFirst(s.history.count - Self.historySize) }
            return (s.emitter, s.log)
        }
        let level: LogLevel = switch outcome.kind {
        case .reloaded, .unchanged: .info
        case .rolledBack: .warn
        case .failed: .error
        }
        log?(level, outcome.description)
        let type: EventType = switch outcome.kind {
        case .reloaded: .reloadSucceeded
        case .rolledBack: .reloadRolledBack
        default: .reloadFailed
        }
        emitter?.emit(type, source: outcome.processor, data: outcome.eventData)
    }

    /// A note that is not an outcome (a version replaced before its verdict).
    func note(_ line: String) {
        state.withLock { $0.log }?(.info, line)
    }

    private static let standardError: @Sendable (LogLevel, String) -> Void = { _, line in
        StandardError.write("collector: \(line)\n")
    }
}
