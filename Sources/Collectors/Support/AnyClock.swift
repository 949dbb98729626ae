/// A `Clock<Duration>` with its instant type erased, so that actors can store
/// the clock their caller chose (a test clock or the real one).
struct AnyClock: Clock {
    struct Instant: InstantProtocol {
        /// Time since the clock was wrapped.
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let elapsed: @Sendable () -> Duration
    private let sleepFor: @Sendable (Duration) async throws -> Void
    let minimumResolution: Duration

    init<C: Clock>(_ clock: C) where C.Duration == Duration {
        if let clock = clock as? AnyClock {
            self = clock
            return
        }
        let start = clock.now
        elapsed = { start.duration(to: clock.now) }
        sleepFor = { duration in try await clock.sleep(until: clock.now.advanced(by: duration), tolerance: nil) }
        minimumResolution = clock.minimumResolution
    }

    var now: Instant { Instant(offset: elapsed()) }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try await sleepFor(now.duration(to: deadline))
    }
}
