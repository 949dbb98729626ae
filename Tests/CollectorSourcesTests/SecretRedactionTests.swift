import CollectorHTTPSources
import CollectorSources
import CollectorValues
import Collectors
import Foundation
import Testing

/// A server that echoes the request in its error body would hand a source's
/// secrets back; nothing the engine emits (events, log lines) may carry them.
@Suite("Secret redaction", .timeLimit(.minutes(1)))
struct SecretRedactionTests {
    @Test func anEchoedAuthorizationHeaderNeverLeavesThroughEventsOrLogs() async throws {
        try await Fixture.with { fixture in
            let token = "TokenForRedaction_\(UUID().uuidString.prefix(8))"
            let key = "ApiKeyForRedaction_\(UUID().uuidString.prefix(8))"
            let source = HTTPSource(
                id: "api", url: fixture.url("/echo?status=500"),
                options: .init(headers: ["X-Api-Key": key], bearerToken: token))
            try await source.connect()
            var failure: ErrorInfo?
            do { _ = try await source.collect() } catch { failure = error as? ErrorInfo }
            await source.disconnect()
            let error = try #require(failure)
            // The server did echo them: the raw error holds them, as the engine got it.
            let excerpt = error.details["body_excerpt"]?.stringValue ?? ""
            #expect(excerpt.contains(token) && excerpt.contains(key), "the fixture echoes the request: \(excerpt)")

            let bus = EventBus()
            let seen = Locked([SystemEvent]())
            _ = bus.subscribeAll { event in seen.withLock { $0.append(event) } }
            bus.emit(SystemEvent(.collectionFailed, source: "api", data: error.object))
            await bus.drain()
            let event = try #require(seen.withLock { $0.first })
            let emitted = "\(event.data)"
            #expect(!emitted.contains(token) && !emitted.contains(key), "\(emitted)")
            #expect(emitted.contains(SecretRedactor.mask))

            let lines = Locked([String]())
            let log = LogSink(.init(level: .debug, format: .logfmt)) { line in lines.withLock { $0.append(line) } }
            DefaultErrorHandler.logger(to: log)(error, .log)
            log.log(.error, "request failed: \(excerpt)", fields: [("excerpt", excerpt)])
            let written = lines.withLock { $0.joined() }
            #expect(!written.isEmpty)
            #expect(!written.contains(token) && !written.contains(key), "\(written)")
        }
    }

    @Test func urlCredentialsSecretQueryValuesAndBasicAuthAreKnownSecrets() {
        let redactor = SecretRedactor()
        redactor.register(url: URL(string: "https://user:hunter22@example.test/x?api_key=QueryKey123&page=2")!)
        redactor.register(headers: ["Authorization": "Basic " + Data("alice:opensesame".utf8).base64EncodedString(), "Accept": "text/plain"])
        let text = "user:hunter22 QueryKey123 page=2 alice:opensesame opensesame text/plain"
        #expect(redactor.redact(text) == "[REDACTED] [REDACTED] page=2 [REDACTED] [REDACTED] text/plain")
        // As a server echoing the request line shows it; and an excerpt cut inside a secret.
        redactor.register(url: URL(string: "https://example.test/x?access_token=Tok%2Fen%2B1")!)
        #expect(redactor.redact("GET /x?access_token=Tok%2Fen%2B1 HTTP/1.1") == "GET /x?access_token=[REDACTED] HTTP/1.1")
        #expect(redactor.redact("Authorization: Basic YWxpY2U6b3Blbn") == "Authorization: [REDACTED]")
        // Too short to be told from ordinary text: not registered.
        redactor.register("abc")
        #expect(redactor.redact("abc") == "abc")
    }
}
