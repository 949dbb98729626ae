/// A module's timer on simulated time, for its tests (inline `advance`
/// tests and `advance(processor, duration)` in test files): time starts at
/// 0, the epoch, and moves only when a test advances it. The timer is due at
/// every whole multiple of its interval, and `on_timer` gets the time it was
/// due as `now`, as in a pipeline.
struct SimulatedTimer {
    /// More ticks than this in one step is a mistake (a duration in the wrong unit), not a test.
    static let maximumTicks = 100_000

    let every: Duration
    /// Simulated time since the epoch.
    private(set) var elapsed: Duration

    init(every: Duration, elapsed: Duration = .zero) {
        self.every = every
        self.elapsed = elapsed
    }

    /// Moves time forward by `step`. Returns the times the timer was due on
    /// the way (seconds since the epoch), in order; or, when that would be
    /// more than `maximumTicks`, how many it would be, and time stays.
    mutating func advance(by step: Duration) -> Result<[Double], TooManyTicks> {
        let interval = max(1, Self.nanoseconds(every))
        let start = Self.nanoseconds(elapsed)
        let (end, overflow) = start.addingReportingOverflow(Self.nanoseconds(step))
        if overflow { return .failure(TooManyTicks(count: Int64.max)) }
        let first = start / interval + 1
        let last = end / interval
        let count = max(0, last - first + 1)
        guard count <= Self.maximumTicks else { return .failure(TooManyTicks(count: count)) }
        elapsed = .nanoseconds(end)
        return .success(first > last ? [] : (first...last).map { Double($0 * interval) / 1e9 })
    }

    /// An advance that would fire the timer more than `maximumTicks` times.
    struct TooManyTicks: Error {
        var count: Int64
        var message: String {
            "it would run on_timer \(count) times (at most \(SimulatedTimer.maximumTicks) in one step)"
        }
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? Int64.max : whole + attoseconds / 1_000_000_000
    }
}
