/// A streaming source's failed connections in a row under its
/// `ReconnectPolicy`, and what each failure means for the pipeline: the
/// one account the MQTT and WebSocket sources keep.
package struct ReconnectCount: Sendable {
    package let policy: ReconnectPolicy
    /// Failed attempts (or connections that ended badly) in a row.
    package private(set) var failures = 0
    /// The wait before the next reconnection, drawn when the last one failed.
    private var nextDelay: Duration?

    package init(_ policy: ReconnectPolicy) {
        self.policy = policy
    }

    /// Data came: the count starts again.
    package mutating func succeeded() {
        failures = 0
    }

    /// The wait before reconnecting: the one drawn at the last failure, or
    /// the first delay (a quiet reconnect after a normal close).
    package mutating func takeDelay() -> Duration {
        defer { nextDelay = nil }
        return nextDelay ?? policy.delay(forAttempt: 1)
    }

    /// Counts a failure and says what it means. Before the first connection
    /// (`connected: false`): the error as it is (the caller's connect retries
    /// decide). After it: a retryable report with `reconnect_attempt` and
    /// `delay_seconds` (the wait drawn for the next attempt), or, once the
    /// policy's attempts ran out, a final non-retryable error naming
    /// `target` with `reconnect_attempts`.
    package mutating func failed(_ error: ErrorInfo, connected: Bool, target: String) -> ErrorInfo {
        failures += 1
        guard connected else { return error }
        var report = error
        if policy.isExhausted(after: failures) {
            report.isRetryable = false
            report.message = "gave up reconnecting to \(target) after \(failures) failed attempts in a row: \(error.message)"
            report.details["reconnect_attempts"] = .integer(Int64(failures))
            return report
        }
        let delay = policy.delay(forAttempt: failures)
        nextDelay = delay
        report.isRetryable = true
        report.details["reconnect_attempt"] = .integer(Int64(failures))
        report.details["delay_seconds"] = .double(Double(delay.components.seconds) + Double(delay.components.attoseconds) * 1e-18)
        return report
    }
}
