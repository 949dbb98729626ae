import CollectorValues
import Collectors

/// When a mock fails, and with which error.
public struct FailurePlan: Sendable {
    /// Which calls fail.
    public enum Trigger: Sendable, Hashable {
        case never
        case always
        /// On these calls, counted from 1.
        case calls(Set<Int>)
        /// On the first `n` calls, then never: a transient failure.
        case first(Int)
        /// From call `n` on (counted from 1): an outage that does not end.
        case from(Int)
    }

    public var trigger: Trigger
    public var error: ErrorInfo

    public init(_ trigger: Trigger, error: ErrorInfo = .mockFailure()) {
        self.trigger = trigger
        self.error = error
    }

    public static let none = FailurePlan(.never)
    public static func always(_ error: ErrorInfo = .mockFailure()) -> FailurePlan { FailurePlan(.always, error: error) }
    /// Fails the `n`th call (from 1).
    public static func onCall(_ n: Int, _ error: ErrorInfo = .mockFailure()) -> FailurePlan {
        FailurePlan(.calls([n]), error: error)
    }
    public static func onCalls(_ calls: Set<Int>, _ error: ErrorInfo = .mockFailure()) -> FailurePlan {
        FailurePlan(.calls(calls), error: error)
    }
    public static func firstCalls(_ n: Int, _ error: ErrorInfo = .mockFailure()) -> FailurePlan {
        FailurePlan(.first(n), error: error)
    }
    public static func fromCall(_ n: Int, _ error: ErrorInfo = .mockFailure()) -> FailurePlan {
        FailurePlan(.from(n), error: error)
    }

    /// The error for call number `call` (from 1), or `nil` when that call succeeds.
    public func error(forCall call: Int) -> ErrorInfo? {
        let fails =
            switch trigger {
            case .never: false
            case .always: true
            case .calls(let calls): calls.contains(call)
            case .first(let n): call <= n
            case .from(let n): call >= n
            }
        return fails ? error : nil
    }
}

extension ErrorInfo {
    /// An error for mocks to throw.
    public static func mockFailure(
        _ type: ErrorType = .unknown, layer: Layer = .engine, operation: String = "mock",
        message: String = "injected failure", retryable: Bool = false, critical: Bool = false
    ) -> ErrorInfo {
        ErrorInfo(type, layer: layer, operation: operation, message: message, isCritical: critical, isRetryable: retryable)
    }
}
