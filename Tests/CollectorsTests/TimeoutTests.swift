import CollectorMocks
import CollectorValues
import Collectors
import Testing

// The time limit only guards against a hang (a lost wake-up); no test measures speed.
@Suite("Timeout", .timeLimit(.minutes(1)))
struct TimeoutTests {
    @Test func aFastOperationReturnsItsValue() async throws {
        // A long timeout only guards against a hang; the operation returns at once.
        let value = try await withTimeout(.seconds(600)) { 42 }
        #expect(value == 42)
        let labelled = try await withTimeout(.seconds(600), name: "answer", operation: { "yes" })
        #expect(labelled == "yes")
    }

    @Test func aSlowOperationIsCancelledAndTheErrorIsATimeout() async throws {
        let clock = ManualClock()
        let gate = TestGate()
        let cancelled = Collector<Bool>()
        let task = Task {
            try await withTimeout(.seconds(5), clock: clock, layer: .collection, name: "collect") {
                do {
                    try await gate.wait()
                } catch is CancellationError {
                    cancelled.append(true)
                    throw CancellationError()
                }
            }
        }
        await gate.waitForArrivals(1)
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(5))
        let error = await #expect(throws: ErrorInfo.self) { try await task.value }
        #expect(error?.type == .timeout)
        #expect(error?.layer == .collection)
        #expect(error?.operation == "collect")
        #expect(error?.isRetryable == true)
        #expect(error?.details["timeout_seconds"] == 5.0)
        #expect(cancelled.values == [true], "the operation saw its cancellation")
    }

    @Test func theOperationsOwnErrorComesThrough() async throws {
        await #expect(throws: ErrorInfo.self) {
            try await withTimeout(.seconds(600)) { throw permanent }
        }
        let error = await #expect(throws: ErrorInfo.self) {
            try await withTimeout(.seconds(600)) { throw permanent }
        }
        #expect(error?.message == "permanent")
    }

    @Test func cancellingTheCallerCancelsTheOperation() async throws {
        let gate = TestGate()
        let task = Task { try await withTimeout(.seconds(600)) { try await gate.wait() } }
        await gate.waitForArrivals(1)
        task.cancel()
        await #expect(throws: (any Error).self) { try await task.value }
    }
}
