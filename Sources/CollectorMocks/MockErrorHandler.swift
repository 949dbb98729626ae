import Collectors

/// An error handler that records every error and answers a chosen decision.
/// (Seed: `MockErrorHandler`.)
///
/// Failures and delays can be injected, in the style of the other mocks:
///
/// - `delay` is waited before each answer (a handler that writes to a slow
///   alerting service; with a gate, one that is stuck). The engine waits for
///   the decision, so this shows what waits for it: a retry is not made,
///   a record not dead-lettered, until the handler has answered.
/// - `failures` picks calls (counted from 1) on which the handler fails.
///   `ErrorHandler.handle` cannot throw, so a handler that fails is one that
///   could not make up its mind: it records the error in `unhandled` and
///   answers `fallback` (`.log` by default: go on, without retrying,
///   dead-lettering or stopping). A delay that ends in cancellation fails
///   the call the same way.
public final class MockErrorHandler: ErrorHandler {
    public typealias Decide = @Sendable (ErrorInfo) -> ErrorDecision

    private struct State {
        var errors: [ErrorInfo] = []
        var unhandled: [ErrorInfo] = []
    }

    private let decide: Decide
    public let failures: FailurePlan
    public let fallback: ErrorDecision
    public let delay: MockDelay
    private let state = Locked(State())

    /// - Parameter decide: the default decides like `DefaultErrorHandler` without rules.
    public init(
        failures: FailurePlan = .none, fallback: ErrorDecision = .log, delay: MockDelay = .none,
        decide: @escaping Decide = { DefaultErrorHandler(logger: nil).decide($0) }
    ) {
        self.decide = decide
        self.failures = failures
        self.fallback = fallback
        self.delay = delay
    }

    /// Always answers `decision` (except on the calls `failures` picks).
    public convenience init(
        always decision: ErrorDecision, failures: FailurePlan = .none, fallback: ErrorDecision = .log,
        delay: MockDelay = .none
    ) {
        self.init(failures: failures, fallback: fallback, delay: delay, decide: { _ in decision })
    }

    public func handle(_ error: ErrorInfo) async -> ErrorDecision {
        let call = state.withLock { s -> Int in
            s.errors.append(error)
            return s.errors.count
        }
        let waited: Bool
        do {
            try await delay.wait()
            waited = true
        } catch {
            waited = false
        }
        if !waited || failures.error(forCall: call) != nil { return failed(error) }
        return decide(error)
    }

    /// Every error handled, in order (those it failed on too).
    public var errors: [ErrorInfo] { state.withLock { $0.errors } }
    /// The errors on which the handler failed (and answered `fallback`), in order.
    public var unhandled: [ErrorInfo] { state.withLock { $0.unhandled } }

    private func failed(_ error: ErrorInfo) -> ErrorDecision {
        state.withLock { $0.unhandled.append(error) }
        return fallback
    }
}
