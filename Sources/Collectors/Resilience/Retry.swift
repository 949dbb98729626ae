import CollectorValues

/// One retry about to happen: which attempt failed, why, and how long until the next.
public struct RetryAttempt: Sendable {
    /// The attempt that failed, from 1.
    public var attempt: Int
    public var error: ErrorInfo
    public var delay: Duration

    public init(attempt: Int, error: ErrorInfo, delay: Duration) {
        self.attempt = attempt
        self.error = error
        self.delay = delay
    }
}

/// Runs `operation`, retrying failures with exponential backoff per `policy`.
///
/// `shouldRetry` is asked about every failure except cancellation (the place
/// for an error handler's decision); a failure is retried only when it agrees
/// **and** the error is retryable (`ErrorInfo.isRetryable` or a
/// `RetryableError`), while attempts and the deadline allow. Each retry is
/// reported to `onRetry` before the delay. Cancellation stops at once.
///
/// The policy's `deadline` bounds the retrying: no delay or new attempt
/// starts that would end past it. An attempt in progress is bounded only by
/// `attemptTimeout` (capped by what is left of the deadline), so that
/// operations without a timeout do not pay for a timer task.
///
/// - Parameters:
///   - layer, name: the `ErrorInfo` layer and operation for errors that are not `ErrorInfo`s already.
/// - Throws: the last failure as an `ErrorInfo` whose details gain `attempts`.
public func withRetry<T: Sendable>(
    _ policy: RetryPolicy,
    clock: some Clock<Duration> = ContinuousClock(),
    layer: Layer = .engine,
    name: String = "operation",
    shouldRetry: @escaping @Sendable (ErrorInfo) async -> Bool = { _ in true },
    onRetry: @escaping @Sendable (RetryAttempt) async -> Void = { _ in },
    operation body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let start = clock.now
    var attempt = 0
    while true {
        attempt += 1
        var timeout = policy.attemptTimeout
        if let attemptTimeout = policy.attemptTimeout, let deadline = policy.deadline {
            timeout = min(attemptTimeout, deadline - start.duration(to: clock.now))
        }
        let failure: ErrorInfo
        do {
            if let timeout {
                return try await withTimeout(timeout, clock: clock, layer: layer, name: name, operation: body)
            }
            return try await body()
        } catch {
            var info = ErrorInfo(from: error, layer: layer, operation: name)
            info.details["attempts"] = .integer(Int64(attempt))
            failure = info
        }
        if failure.type == .cancelled || Task.isCancelled { throw failure }
        // Asked about every failure, so that an error handler sees each one.
        let agreed = await shouldRetry(failure)
        guard agreed, failure.isRetryable, attempt < policy.maxAttempts else { throw failure }
        let delay = policy.delay(forRetry: attempt)
        if let deadline = policy.deadline, start.duration(to: clock.now) + delay >= deadline { throw failure }
        await onRetry(RetryAttempt(attempt: attempt, error: failure, delay: delay))
        do {
            try await clock.sleep(until: clock.now.advanced(by: delay), tolerance: nil)
        } catch {
            throw ErrorInfo(from: error, layer: layer, operation: name, details: failure.details)
        }
    }
}
