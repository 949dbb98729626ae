import Collectors

/// An error handler that records every error and answers a chosen decision.
/// (Seed: `MockErrorHandler`.)
public final class MockErrorHandler: ErrorHandler {
    public typealias Decide = @Sendable (ErrorInfo) -> ErrorDecision

    private let decide: Decide
    private let errorsSeen = Locked([ErrorInfo]())

    /// - Parameter decide: the default decides like `DefaultErrorHandler` without rules.
    public init(decide: @escaping Decide = { DefaultErrorHandler(logger: nil).decide($0) }) {
        self.decide = decide
    }

    /// Always answers `decision`.
    public convenience init(always decision: ErrorDecision) {
        self.init(decide: { _ in decision })
    }

    public func handle(_ error: ErrorInfo) async -> ErrorDecision {
        errorsSeen.withLock { $0.append(error) }
        return decide(error)
    }

    /// Every error handled, in order.
    public var errors: [ErrorInfo] { errorsSeen.withLock { $0 } }
}
