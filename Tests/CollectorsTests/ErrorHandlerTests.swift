import CollectorMocks
import CollectorValues
import Collectors
import Testing

@Suite("DefaultErrorHandler")
struct ErrorHandlerTests {
    func error(_ type: ErrorType, _ layer: Layer, critical: Bool = false, retryable: Bool = false) -> ErrorInfo {
        ErrorInfo(type, layer: layer, operation: "op", message: "m", isCritical: critical, isRetryable: retryable)
    }

    @Test func defaultsStopRetryDeadLetterOrLog() async {
        let handler = DefaultErrorHandler(logger: nil)
        #expect(await handler.handle(error(.connection, .collection, critical: true, retryable: true)) == .stop)
        #expect(await handler.handle(error(.timeout, .collection, retryable: true)) == .retry)
        #expect(await handler.handle(error(.processing, .processing)) == .deadLetter)
        #expect(await handler.handle(error(.validation, .processing)) == .deadLetter)
        #expect(await handler.handle(error(.limit, .scripting)) == .deadLetter)
        #expect(await handler.handle(error(.storage, .storage)) == .log)
        #expect(handler.decisionCounts == [.stop: 1, .retry: 1, .deadLetter: 3, .log: 1])
    }

    @Test func theFirstMatchingRuleWins() async {
        let handler = DefaultErrorHandler(
            rules: [
                .init(type: .timeout, layer: .storage, decision: .stop),
                .init(type: .timeout, decision: .log),
                .init(layer: .processing, decision: .stop),
            ], logger: nil)
        #expect(await handler.handle(error(.timeout, .storage, retryable: true)) == .stop)
        #expect(await handler.handle(error(.timeout, .collection, retryable: true)) == .log)
        #expect(await handler.handle(error(.processing, .processing)) == .stop)
        // No rule: the defaults.
        #expect(await handler.handle(error(.connection, .collection, retryable: true)) == .retry)
    }

    @Test func everyErrorIsLoggedAndEmittedWithItsDecision() async {
        let emitter = MockEventEmitter()
        let logged = Collector<String>()
        let handler = DefaultErrorHandler(emitter: emitter) { error, decision in
            logged.append("\(error.operation):\(decision.rawValue)")
        }
        _ = await handler.handle(error(.processing, .processing))
        _ = await handler.handle(error(.rateLimit, .collection, retryable: true))
        #expect(logged.values == ["op:dead_letter", "op:retry"])
        let events = emitter.events(of: .error)
        #expect(events.count == 2)
        #expect(events.map { $0.data["decision"] } == ["dead_letter", "retry"])
        #expect(events.map { $0.data["type"] } == ["processing", "rate_limit"])
        #expect(events.map(\.source) == ["processing", "collection"])
    }
}
