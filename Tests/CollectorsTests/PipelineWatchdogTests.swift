import CollectorMocks
import CollectorValues
import Collectors
import Testing

/// `Pipeline.stall(after:)` tells a pipeline stuck on a backend that blocks
/// from one that is merely idle.
@Suite("Pipeline watchdog", .timeLimit(.minutes(1)))
struct PipelineWatchdogTests {
    @Test func aWriteBlockedPastTheTimeoutIsAStall() async throws {
        let clock = ManualClock()
        let gate = TestGate()
        let backend = MockStorageBackend(storeDelay: .gate(gate))
        let pipeline = try Pipeline(
            name: "stuck", sources: [MockDataSource(id: "src", texts: ["x"])], mode: .interval(.seconds(1000)),
            backends: [backend], configuration: PipelineConfiguration(batchSize: 1), errorHandler: MockErrorHandler(),
            clock: clock)
        #expect(pipeline.stall(after: .seconds(60)) == nil, "not started: nothing waits")
        let run = Task { await pipeline.run() }
        await gate.waitForArrivals(1)
        #expect(pipeline.stall(after: .seconds(60)) == nil, "a write in flight, but not for long")
        clock.advance(by: .seconds(61))
        let stall = pipeline.stall(after: .seconds(60))
        #expect(stall?.contains("pipeline 'stuck': storage has made no progress for 61s with a write in flight") == true, "\(stall ?? "nil")")
        await pipeline.stop()
        gate.open()
        let report = await run.value
        #expect(backend.records == ["x"])
        #expect(report.ledger.mismatches.isEmpty)
        #expect(pipeline.stall(after: .seconds(60)) == nil, "ended: nothing waits")
    }

    @Test func anIdlePipelineIsNotStuck() async throws {
        let clock = ManualClock()
        let backend = MockStorageBackend()
        let pipeline = try Pipeline(
            name: "idle", sources: [MockDataSource(id: "src", texts: ["x"])], mode: .interval(.seconds(1000)),
            backends: [backend], configuration: PipelineConfiguration(batchSize: 1), errorHandler: MockErrorHandler(),
            clock: clock)
        let run = Task { await pipeline.run() }
        // Bounded: the one record is stored soon (its write has returned); then nothing waits until the next tick.
        for _ in 0..<2000 where backend.records.isEmpty || pipeline.stall(after: .zero) != nil {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(backend.records == ["x"])
        clock.advance(by: .seconds(500))
        #expect(pipeline.stall(after: .seconds(60)) == nil)
        await pipeline.stop()
        _ = await run.value
    }
}
