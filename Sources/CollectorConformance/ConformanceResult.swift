/// The result of one named check of the conformance kit.
public struct ConformanceResult: Sendable, Hashable, CustomStringConvertible {
    /// How a check ended.
    public enum Outcome: Sendable, Hashable {
        case passed
        /// What the connector did wrong, said for its author.
        case failed(String)
        /// Why the check did not run (the connector lacks the capability, or the
        /// configuration gave nothing to run it with).
        case skipped(String)
    }

    /// A stable name, such as `source.connect-idempotent`.
    public let name: String
    public let outcome: Outcome

    public init(name: String, outcome: Outcome) {
        self.name = name
        self.outcome = outcome
    }

    public var passed: Bool { outcome == .passed }
    public var failed: Bool { if case .failed = outcome { true } else { false } }
    public var skipped: Bool { if case .skipped = outcome { true } else { false } }

    /// The failure message, or `nil` when the check did not fail.
    public var failureMessage: String? { if case .failed(let message) = outcome { message } else { nil } }

    public var description: String {
        switch outcome {
        case .passed: "PASS \(name)"
        case .failed(let message): "FAIL \(name): \(message)"
        case .skipped(let reason): "SKIP \(name): \(reason)"
        }
    }
}
