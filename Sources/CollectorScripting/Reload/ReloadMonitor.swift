import Collectors
import Foundation

/// The reloads of one Lua processor as the outside sees them: counters, the
/// latest outcomes, an event for each (`reload_succeeded`, `reload_failed`,
/// `reload_rolled_back`) and a log line on stderr.
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
        var log: (@Sendable (String) -> Void)? = ReloadMonitor.standardError
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
        state.withLock { $0.log = handler }
    }

    func record(_ outcome: ReloadOutcome) {
        // `unchanged` is a log line only: it confirms the save was seen, and counts as nothing.
        guard outcome.kind != .unchanged else {
            state.withLock { $0.log }?(outcome.description)
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
        log?(outcome.description)
        let type: EventType = switch outcome.kind {
        case .reloaded: .reloadSucceeded
        case .rolledBack: .reloadRolledBack
        default: .reloadFailed
        }
        emitter?.emit(type, source: outcome.processor, data: outcome.eventData)
    }

    /// A note that is not an outcome (a version replaced before its verdict).
    func note(_ line: String) {
        state.withLock { $0.log }?(line)
    }

    private static let standardError: @Sendable (String) -> Void = { line in
        StandardError.write("collector: \(line)\n")
    }
}
