import CollectorValues

/// Runs `operation` and cancels it if it has not finished after `duration`.
///
/// `layer` and `name` label the timeout's `ErrorInfo` (`name` is its `operation`).
///
/// - Throws: an `ErrorInfo` of type `.timeout` (retryable) when time ran out,
///   or whatever `operation` threw. Cancellation is cooperative: an operation that
///   ignores it is waited for, so the timeout error comes when it returns.
public func withTimeout<T: Sendable>(
    _ duration: Duration,
    clock: some Clock<Duration> = ContinuousClock(),
    layer: Layer = .engine,
    name: String = "operation",
    operation body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let timeout = ErrorInfo(
        .timeout, layer: layer, operation: name,
        message: "\(name) timed out after \(duration)",
        details: ["timeout_seconds": .double(durationSeconds(duration))], isRetryable: true)
    return try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await clock.sleep(until: clock.now.advanced(by: duration), tolerance: nil)
            throw timeout
        }
        defer { group.cancelAll() }
        // The first child to finish decides; the other one is cancelled.
        guard let result = try await group.next() else { throw timeout }
        return result
    }
}

/// Runs a `connect()` under a connect timeout (`nil`: none), measured in real
/// time whatever clock the caller otherwise uses: it bounds how long a peer
/// may take to answer, like a socket's own timeout, while test clocks drive
/// retry delays and intervals. The `.timeout` error it throws is retryable.
func withConnectTimeout(
    _ timeout: Duration?, layer: Layer, operation connect: @escaping @Sendable () async throws -> Void
) async throws {
    guard let timeout else { return try await connect() }
    try await withTimeout(timeout, clock: ContinuousClock(), layer: layer, name: "connect", operation: connect)
}
