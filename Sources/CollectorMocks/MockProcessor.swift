import CollectorValues
import Collectors

/// A processor that applies a closure and records what it saw. (Seed: `MockProcessor`.)
///
/// The default transform passes records through unchanged. Failures are
/// injected per call (counted per record, from 1) or per record (`failWhen`).
public final class MockProcessor: Processor {
    /// What the processor does to a record that does not fail.
    public typealias Transform = @Sendable (Record) throws -> ProcessingResult

    public let name: String
    private let transform: Transform
    private let failures: FailurePlan
    private let failWhen: (@Sendable (Record) -> Bool)?
    private let failWhenError: ErrorInfo
    private let delay: MockDelay

    private struct State {
        var processed: [Record] = []
        var batchSizes: [Int] = []
    }

    private let state = Locked(State())

    public init(
        name: String = "mock_processor",
        failures: FailurePlan = .none,
        failWhen: (@Sendable (Record) -> Bool)? = nil,
        failWhenError: ErrorInfo = .mockFailure(.processing, layer: .processing, operation: "process"),
        delay: MockDelay = .none,
        transform: @escaping Transform = { .success($0) }
    ) {
        self.name = name
        self.transform = transform
        self.failures = failures
        self.failWhen = failWhen
        self.failWhenError = failWhenError
        self.delay = delay
    }

    /// Every record `process` received, in order.
    public var processed: [Record] { state.withLock { $0.processed } }
    public var callCount: Int { state.withLock { $0.processed.count } }
    /// The size of each `process(batch:)` call.
    public var batchSizes: [Int] { state.withLock { $0.batchSizes } }

    public func process(_ record: Record) async throws -> ProcessingResult {
        let call = state.withLock { s -> Int in
            s.processed.append(record)
            return s.processed.count
        }
        try await delay.wait()
        if let error = failures.error(forCall: call) { throw error }
        if let failWhen, failWhen(record) { return .failure(failWhenError) }
        return try transform(record)
    }

    public func process(batch records: [Record]) async -> [ProcessingResult] {
        state.withLock { $0.batchSizes.append(records.count) }
        var results: [ProcessingResult] = []
        results.reserveCapacity(records.count)
        for record in records { results.append(await processChecked(record)) }
        return results
    }
}
