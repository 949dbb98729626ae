/// How a streaming source (SSE, WebSocket) reconnects after its connection
/// ended or failed: the one policy the network sources share.
///
/// Failed attempts in a row back off exponentially: before attempt `n` the
/// source waits `initialDelay * 2^(n-1)`, capped at `maxDelay`, with jitter
/// (uniform in the upper half, `ceiling/2 ... ceiling`, so that clients cut
/// off together do not come back together, and no attempt follows at once).
/// After `maxAttempts` failures in a row the source gives up; data received
/// on a connection resets the count.
public struct ReconnectPolicy: Sendable, Hashable {
    /// The first wait (before the first reconnection).
    public var initialDelay: Duration
    /// The cap of the backoff.
    public var maxDelay: Duration
    /// Failed attempts in a row before giving up; `nil`: never give up.
    public var maxAttempts: Int?
    /// Draw each delay from the upper half of its ceiling (`false`: exactly the ceiling, for tests).
    public var jitter: Bool

    public init(
        initialDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(60), maxAttempts: Int? = 10,
        jitter: Bool = true
    ) {
        self.initialDelay = max(initialDelay, .zero)
        self.maxDelay = max(maxDelay, self.initialDelay)
        self.maxAttempts = maxAttempts.map { max(1, $0) }
        self.jitter = jitter
    }

    /// The longest wait before reconnection attempt `attempt` (1 for the first).
    public func ceiling(forAttempt attempt: Int) -> Duration {
        let cap = durationSeconds(maxDelay)
        var seconds = durationSeconds(initialDelay)
        var doubling = 1
        while doubling < attempt, seconds < cap {
            seconds *= 2
            doubling += 1
        }
        return .nanoseconds(Int64((min(seconds, cap) * 1e9).rounded()))
    }

    /// The wait before reconnection attempt `attempt`, jitter applied.
    public func delay(forAttempt attempt: Int) -> Duration {
        let ceiling = ceiling(forAttempt: attempt)
        guard jitter else { return ceiling }
        let nanos = Int64(durationSeconds(ceiling) * 1e9)
        guard nanos > 1 else { return ceiling }
        return .nanoseconds(Int64.random(in: (nanos / 2)...nanos))
    }

    /// Whether `failures` failed attempts in a row are past the limit.
    public func isExhausted(after failures: Int) -> Bool {
        maxAttempts.map { failures >= $0 } ?? false
    }
}
