/// How long a mock takes before it answers.
public enum MockDelay: Sendable {
    case none
    /// Sleeps on the continuous clock (cancellable).
    case sleep(Duration)
    /// Waits until the gate is opened (cancellable): for tests that must not depend on time.
    case gate(TestGate)

    func wait() async throws {
        switch self {
        case .none: return
        case .sleep(let duration): try await Task.sleep(for: duration)
        case .gate(let gate): try await gate.wait()
        }
    }
}
