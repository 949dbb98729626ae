/// When a pipeline's processing and its storage last moved records on, and
/// how many writes it has in flight: what tells a stuck pipeline (work
/// waiting, nothing moving) from an idle one (nothing waiting), for a
/// watchdog (`Pipeline.stall(after:)`).
final class ProgressWatch: Sendable {
    enum Stage: Sendable {
        case processing
        case storage
    }

    private struct State {
        var processed: AnyClock.Instant
        var written: AnyClock.Instant
        var inFlight = 0
    }

    private let clock: AnyClock
    private let state: Locked<State>

    init(clock: AnyClock) {
        self.clock = clock
        let now = clock.now
        state = Locked(State(processed: now, written: now))
    }

    /// Records moved on at `stage` (taken and processed; written).
    func progressed(_ stage: Stage) {
        let now = clock.now
        state.withLock { s in
            switch stage {
            case .processing: s.processed = now
            case .storage: s.written = now
            }
        }
    }

    /// A write starts (`true`) or ends (`false`).
    func writing(_ started: Bool) {
        let now = clock.now
        state.withLock { s in
            // The wait for a write counts from its start, not from the last one.
            if started && s.inFlight == 0 { s.written = now }
            s.inFlight += started ? 1 : -1
        }
    }

    /// How long each stage has not moved, and whether a write is in flight.
    var idle: (processing: Duration, storage: Duration, writing: Bool) {
        let now = clock.now
        return state.withLock { ($0.processed.duration(to: now), $0.written.duration(to: now), $0.inFlight > 0) }
    }
}
