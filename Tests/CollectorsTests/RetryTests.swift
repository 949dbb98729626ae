import CollectorMocks
import CollectorValues
import Collectors
import Testing

// The time limit only guards against a hang (a lost wake-up); no test measures speed.
@Suite("Retry", .timeLimit(.minutes(1)))
struct RetryTests {
    let exact = RetryPolicy(
        maxAttempts: 4, initialDelay: .milliseconds(100), maxDelay: .milliseconds(250), multiplier: 2, jitter: .none,
        deadline: nil)

    @Test func retriesRetryableFailuresWithExponentialBackoff() async throws {
        let clock = ImmediateClock()
        let calls = Collector<Int>()
        let attempts = Collector<Int>()
        let value = try await withRetry(exact, clock: clock, onRetry: { attempts.append($0.attempt) }) {
            calls.append(1)
            if calls.values.count < 4 { throw transient }
            return "ok"
        }
        #expect(value == "ok")
        #expect(calls.values.count == 4)
        #expect(attempts.values == [1, 2, 3])
        // 100 ms, 200 ms, then capped at 250 ms.
        #expect(clock.sleeps == [.milliseconds(100), .milliseconds(200), .milliseconds(250)])
    }

    @Test func givesUpAfterMaxAttemptsWithTheLastError() async throws {
        let clock = ImmediateClock()
        let calls = Collector<Int>()
        let error = await #expect(throws: ErrorInfo.self) {
            try await withRetry(exact, clock: clock, layer: .collection, name: "collect") {
                calls.append(1)
                throw transient
            }
        }
        #expect(calls.values.count == 4)
        #expect(error?.details["attempts"] == 4)
        #expect(error?.message == "transient")
        #expect(clock.sleeps.count == 3)
    }

    @Test func neverRetriesWhatIsNotRetryable() async throws {
        let clock = ImmediateClock()
        let calls = Collector<Int>()
        struct Plain: Error {}
        await #expect(throws: ErrorInfo.self) {
            try await withRetry(exact, clock: clock) {
                calls.append(1)
                throw Plain()
            }
        }
        await #expect(throws: ErrorInfo.self) {
            try await withRetry(exact, clock: clock) {
                calls.append(2)
                throw permanent
            }
        }
        #expect(calls.values == [1, 2])
        #expect(clock.sleeps.isEmpty)
    }

    @Test func retryableErrorProtocolCounts() async throws {
        struct Busy: RetryableError { var isRetryable: Bool { true } }
        let clock = ImmediateClock()
        let calls = Collector<Int>()
        let value = try await withRetry(exact, clock: clock) {
            calls.append(1)
            if calls.values.count == 1 { throw Busy() }
            return 7
        }
        #expect(value == 7 && calls.values.count == 2)
    }

    @Test func shouldRetrySeesEveryFailureAndCanRefuse() async throws {
        let clock = ImmediateClock()
        let seen = Collector<String>()
        await #expect(throws: ErrorInfo.self) {
            try await withRetry(exact, clock: clock, shouldRetry: { seen.append($0.message); return seen.values.count < 2 }) {
                throw transient
            }
        }
        #expect(seen.values == ["transient", "transient"])
        await #expect(throws: ErrorInfo.self) {
            try await withRetry(exact, clock: clock, shouldRetry: { seen.append($0.message); return true }) {
                throw permanent
            }
        }
        #expect(seen.values.last == "permanent", "non-retryable errors are reported too")
    }

    @Test func theDeadlineStopsRetrying() async throws {
        let clock = ImmediateClock()
        let policy = RetryPolicy(
            maxAttempts: 100, initialDelay: .seconds(1), maxDelay: .seconds(1), jitter: .none, deadline: .seconds(3))
        let calls = Collector<Int>()
        await #expect(throws: ErrorInfo.self) {
            try await withRetry(policy, clock: clock) {
                calls.append(1)
                throw transient
            }
        }
        // Sleeps at 0→1, 1→2; a third delay would end at the deadline.
        #expect(clock.sleeps == [.seconds(1), .seconds(1)])
        #expect(calls.values.count == 3)
    }

    @Test func fullJitterStaysUnderTheCeiling() {
        let policy = RetryPolicy(initialDelay: .milliseconds(100), maxDelay: .seconds(1), multiplier: 2, jitter: .full)
        for retry in 1...8 {
            let ceiling = policy.ceiling(forRetry: retry)
            #expect(ceiling <= .seconds(1))
            for _ in 0..<50 {
                let delay = policy.delay(forRetry: retry)
                #expect(delay >= .zero && delay <= ceiling)
            }
        }
        #expect(policy.ceiling(forRetry: 1) == .milliseconds(100))
        #expect(policy.ceiling(forRetry: 3) == .milliseconds(400))
        #expect(policy.ceiling(forRetry: 10) == .seconds(1))
    }

    /// Full jitter really spreads the delays over `0...ceiling` (a policy that
    /// always waited the ceiling would pass the test above). Uniform draws:
    /// the chance that 200 of them all land in the top tenth is 10^-200, that
    /// their mean is off by a quarter of the ceiling about 12 standard
    /// deviations, so these checks do not fail by chance.
    @Test func fullJitterSpreadsTheDelaysBelowTheCeiling() {
        let policy = RetryPolicy(initialDelay: .milliseconds(100), maxDelay: .seconds(1), multiplier: 2, jitter: .full)
        let ceiling = policy.ceiling(forRetry: 4)
        #expect(ceiling == .milliseconds(800))
        let samples = (0..<200).map { _ in policy.delay(forRetry: 4) }
        #expect(samples.allSatisfy { $0 >= .zero && $0 <= ceiling })
        #expect(samples.min()! < ceiling * 0.9)
        #expect(samples.contains { $0 < ceiling / 2 } && samples.contains { $0 > ceiling / 2 })
        #expect(Set(samples).count > 10)
        let mean = samples.reduce(Duration.zero, +) / samples.count
        #expect(mean > ceiling * 0.25 && mean < ceiling * 0.75, "\(mean)")
        // Without jitter, every delay is the ceiling.
        var exact = policy
        exact.jitter = .none
        #expect((0..<20).allSatisfy { _ in exact.delay(forRetry: 4) == ceiling })
    }

    @Test func attemptTimeoutMakesAHungAttemptRetryable() async throws {
        let gate = TestGate()
        let calls = Collector<Int>()
        let policy = RetryPolicy(maxAttempts: 2, initialDelay: .zero, jitter: .none, deadline: nil, attemptTimeout: .seconds(1))
        let clock = ManualClock()
        let task = Task {
            try await withRetry(policy, clock: clock) {
                calls.append(1)
                if calls.values.count == 1 { try await gate.wait() }  // hangs until the timeout cancels it
                return "second"
            }
        }
        // The first attempt's timer is asleep; let its second pass.
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(1))
        #expect(try await task.value == "second")
        #expect(calls.values.count == 2)
    }

    @Test func cancellationStopsRetryingAtOnce() async throws {
        let gate = TestGate()
        let calls = Collector<Int>()
        let task = Task {
            try await withRetry(exact, clock: ContinuousClock()) {
                calls.append(1)
                try await gate.wait()
            }
        }
        await gate.waitForArrivals(1)
        task.cancel()
        let error = await #expect(throws: ErrorInfo.self) { try await task.value }
        #expect(error?.type == .cancelled)
        #expect(calls.values.count == 1)
    }
}
