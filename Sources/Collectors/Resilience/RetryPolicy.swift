/// How often and how patiently a failed operation is tried again.
///
/// Delays grow exponentially (`initialDelay * multiplier^(retry-1)`, capped by
/// `maxDelay`); with full jitter the actual delay is uniform in `0...ceiling`,
/// which spreads out clients that failed together.
public struct RetryPolicy: Sendable, Hashable {
    /// How the delay is drawn below its ceiling.
    public enum Jitter: String, Sendable, Hashable {
        /// Uniform in `0...ceiling` (AWS's "full jitter").
        case full
        /// Exactly the ceiling: for tests and for callers who need predictable delays.
        case none
    }

    /// Attempts in total, the first one included; 1 means no retry.
    public var maxAttempts: Int
    public var initialDelay: Duration
    public var maxDelay: Duration
    public var multiplier: Double
    public var jitter: Jitter
    /// The budget for all attempts and delays together: no retry starts that
    /// would end past it (`nil` for none). See `withRetry` for attempts in progress.
    public var deadline: Duration?
    /// A timeout for each attempt; `nil` for none.
    public var attemptTimeout: Duration?

    public init(
        maxAttempts: Int = 3, initialDelay: Duration = .milliseconds(100), maxDelay: Duration = .seconds(10),
        multiplier: Double = 2, jitter: Jitter = .full, deadline: Duration? = .seconds(60),
        attemptTimeout: Duration? = nil
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.multiplier = multiplier
        self.jitter = jitter
        self.deadline = deadline
        self.attemptTimeout = attemptTimeout
    }

    public static let `default` = RetryPolicy()
    /// One attempt, no retry.
    public static let never = RetryPolicy(maxAttempts: 1)

    /// The largest delay before retry number `retry` (1 for the first retry).
    public func ceiling(forRetry retry: Int) -> Duration {
        let factor = pow(multiplier, Double(max(0, retry - 1)))
        let seconds = min(durationSeconds(initialDelay) * factor, durationSeconds(maxDelay))
        return .nanoseconds(Int64((seconds * 1e9).rounded()))
    }

    /// The delay before retry number `retry`, jitter applied.
    public func delay(forRetry retry: Int) -> Duration {
        let ceiling = ceiling(forRetry: retry)
        switch jitter {
        case .none: return ceiling
        case .full:
            let nanos = Int64(durationSeconds(ceiling) * 1e9)
            return nanos > 0 ? .nanoseconds(Int64.random(in: 0...nanos)) : .zero
        }
    }
}

func durationSeconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) + Double(attoseconds) * 1e-18
}

private func pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    var remaining = Int(exponent)
    while remaining > 0 {
        result *= base
        remaining -= 1
    }
    return result
}
