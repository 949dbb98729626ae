/// What to do about one failure.
public enum ErrorDecision: String, Sendable, Hashable, CaseIterable {
    /// Record it and go on (skip the item).
    case log
    /// Try the operation again, if the error is retryable and the retry policy allows.
    case retry
    /// Send the record concerned to the dead-letter destination and go on.
    case deadLetter = "dead_letter"
    /// Stop the component (a source, the pipeline).
    case stop
}

/// Receives every `ErrorInfo` of the engine and decides what happens next.
/// (Seed: the error handler of the mocks.)
public protocol ErrorHandler: Sendable {
    func handle(_ error: ErrorInfo) async -> ErrorDecision
}
