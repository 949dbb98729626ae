import Collectors
/// A clock whose sleeps return at once, moving `now` to the deadline and
/// recording how long was asked for: retry and backoff tests run in no time
/// and can check every delay.
///
/// Do not give it to a loop that only sleeps (a flush timer): such a loop
/// would spin. Use `ManualClock` there.
public final class ImmediateClock: Clock, Sendable {
    public typealias Instant = ManualClock.Instant

    private struct State {
        var now = Instant(offset: .zero)
        var sleeps: [Duration] = []
    }

    private let state = Locked(State())

    public init() {}

    public var now: Instant { state.withLock { $0.now } }
    public var minimumResolution: Duration { .zero }
    /// The duration of every sleep so far, in order.
    public var sleeps: [Duration] { state.withLock { $0.sleeps } }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try Task.checkCancellation()
        state.withLock { s in
            s.sleeps.append(s.now.duration(to: deadline))
            if s.now < deadline { s.now = deadline }
        }
        // Let other tasks run, as a real sleep would.
        await Task.yield()
    }

    /// Moves time forward without sleeping (to model work that takes time).
    public func advance(by duration: Duration) {
        state.withLock { $0.now = $0.now.advanced(by: duration) }
    }
}
