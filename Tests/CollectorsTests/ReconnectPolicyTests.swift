import Collectors
import Testing

@Suite("ReconnectPolicy")
struct ReconnectPolicyTests {
    @Test func theCeilingDoublesUpToTheCap() {
        let policy = ReconnectPolicy(initialDelay: .milliseconds(100), maxDelay: .milliseconds(500), maxAttempts: 5)
        let ceilings = (1...6).map { policy.ceiling(forAttempt: $0) }
        #expect(ceilings == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(500), .milliseconds(500), .milliseconds(500)])
    }

    @Test func jitterStaysInTheUpperHalfOfTheCeiling() {
        let policy = ReconnectPolicy(initialDelay: .milliseconds(100), maxDelay: .seconds(1))
        for attempt in 1...6 {
            let ceiling = policy.ceiling(forAttempt: attempt)
            for _ in 0..<50 {
                let delay = policy.delay(forAttempt: attempt)
                #expect(delay <= ceiling && delay >= ceiling / 2, "attempt \(attempt): \(delay) of \(ceiling)")
            }
        }
        let exact = ReconnectPolicy(initialDelay: .milliseconds(100), jitter: false)
        #expect(exact.delay(forAttempt: 2) == .milliseconds(200))
    }

    @Test func attemptsRunOutOnlyWhenLimited() {
        let limited = ReconnectPolicy(maxAttempts: 3)
        #expect(!limited.isExhausted(after: 2))
        #expect(limited.isExhausted(after: 3))
        let endless = ReconnectPolicy(maxAttempts: nil)
        #expect(!endless.isExhausted(after: 1_000_000))
        #expect(ReconnectPolicy(initialDelay: .seconds(5), maxDelay: .seconds(1)).maxDelay == .seconds(5), "the cap is never below the first delay")
    }

    @Test func aHugeAttemptNumberDoesNotOverflow() {
        let policy = ReconnectPolicy(initialDelay: .seconds(1), maxDelay: .seconds(60))
        #expect(policy.ceiling(forAttempt: Int.max) == .seconds(60))
    }
}
