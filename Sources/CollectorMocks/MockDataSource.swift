import CollectorValues
import Collectors
import Foundation

/// A data source that returns prepared payloads. (Seed: `MockDataSource`.)
///
/// `collect()` returns the payloads in turn (starting over after the last);
/// `stream()` yields each payload once and ends. Failures and delays can be
/// injected per operation; every call is recorded.
public final class MockDataSource: DataSource {
    public let id: String
    public let payloads: [[UInt8]]
    public let format: DataFormat
    public let connectFailures: FailurePlan
    public let collectFailures: FailurePlan
    public let streamFailures: FailurePlan
    public let collectDelay: MockDelay
    /// How long `connect()` takes (a server slow to answer, or one that never does: a gate kept shut).
    public let connectDelay: MockDelay

    private struct State {
        var calls: [String] = []
        var connected = false
        var collectCalls = 0
        var connectCalls = 0
        var streamCalls = 0
        var disconnectCalls = 0
    }

    private let state = Locked(State())

    /// - Parameters:
    ///   - payloads: at least one.
    ///   - streamFailures: checked per `stream()` call; a failing stream yields its
    ///     payloads, then ends with the error (a connection that dropped).
    public init(
        id: String, payloads: [[UInt8]], format: DataFormat = .json,
        connectFailures: FailurePlan = .none, collectFailures: FailurePlan = .none,
        streamFailures: FailurePlan = .none, collectDelay: MockDelay = .none, connectDelay: MockDelay = .none
    ) {
        precondition(!payloads.isEmpty, "a MockDataSource needs at least one payload")
        self.id = id
        self.payloads = payloads
        self.format = format
        self.connectFailures = connectFailures
        self.collectFailures = collectFailures
        self.streamFailures = streamFailures
        self.collectDelay = collectDelay
        self.connectDelay = connectDelay
    }

    /// A source of text payloads (format `.text`).
    public convenience init(
        id: String, texts: [String], connectFailures: FailurePlan = .none, collectFailures: FailurePlan = .none,
        streamFailures: FailurePlan = .none, collectDelay: MockDelay = .none, connectDelay: MockDelay = .none
    ) {
        self.init(
            id: id, payloads: texts.map { Array($0.utf8) }, format: .text, connectFailures: connectFailures,
            collectFailures: collectFailures, streamFailures: streamFailures, collectDelay: collectDelay,
            connectDelay: connectDelay)
    }

    /// A source of JSON payloads, one per value (format `.json`).
    public convenience init(
        id: String, values: [DataValue], connectFailures: FailurePlan = .none, collectFailures: FailurePlan = .none,
        streamFailures: FailurePlan = .none, collectDelay: MockDelay = .none, connectDelay: MockDelay = .none
    ) {
        let writer = JSONWriter()
        // Values come from the test itself; one that cannot be JSON is a bug in the test.
        let payloads = values.map { value in
            do { return try writer.bytes(value) } catch { preconditionFailure("not JSON: \(error)") }
        }
        self.init(
            id: id, payloads: payloads, format: .json, connectFailures: connectFailures,
            collectFailures: collectFailures, streamFailures: streamFailures, collectDelay: collectDelay,
            connectDelay: connectDelay)
    }

    /// Every call in order: `connect`, `collect`, `stream`, `disconnect`.
    public var calls: [String] { state.withLock { $0.calls } }
    /// Whether `connect()` succeeded and `disconnect()` has not been called since.
    public var isConnected: Bool { state.withLock { $0.connected } }
    public var collectCallCount: Int { state.withLock { $0.collectCalls } }
    public var connectCallCount: Int { state.withLock { $0.connectCalls } }
    public var disconnectCallCount: Int { state.withLock { $0.disconnectCalls } }

    public func connect() async throws {
        let call = state.withLock { s -> Int in
            s.calls.append("connect")
            s.connectCalls += 1
            return s.connectCalls
        }
        try await connectDelay.wait()
        if let error = connectFailures.error(forCall: call) { throw error }
        state.withLock { $0.connected = true }
    }

    public func disconnect() async {
        state.withLock { s in
            s.calls.append("disconnect")
            s.disconnectCalls += 1
            s.connected = false
        }
    }

    public func collect() async throws -> CollectedData {
        let (call, connected) = state.withLock { s -> (Int, Bool) in
            s.calls.append("collect")
            s.collectCalls += 1
            return (s.collectCalls, s.connected)
        }
        guard connected else { throw notConnected("collect") }
        try await collectDelay.wait()
        if let error = collectFailures.error(forCall: call) { throw error }
        return item(payloads[(call - 1) % payloads.count])
    }

    public func stream() -> AsyncThrowingStream<CollectedData, any Error> {
        let (call, connected) = state.withLock { s -> (Int, Bool) in
            s.calls.append("stream")
            s.streamCalls += 1
            return (s.streamCalls, s.connected)
        }
        let items = payloads.map(item)
        let failure = connected ? streamFailures.error(forCall: call) : notConnected("stream")
        return AsyncThrowingStream { continuation in
            if connected {
                for item in items { continuation.yield(item) }
            }
            continuation.finish(throwing: failure)
        }
    }

    private func item(_ payload: [UInt8]) -> CollectedData {
        CollectedData(sourceID: id, format: format, method: .mock, payload: payload)
    }

    private func notConnected(_ operation: String) -> ErrorInfo {
        ErrorInfo(
            .connection, layer: .collection, operation: operation, message: "source '\(id)' is not connected",
            details: ["source_id": .string(id)])
    }
}
