import CollectorValues
import CollectorWebSocket
import Collectors
import Foundation
import Testing

@Suite struct WebSocketSourceTests {
    private func text(_ item: CollectedData) -> String { String(decoding: item.payload, as: UTF8.self) }

    private func take(_ count: Int, from source: WebSocketSource) async throws -> [CollectedData] {
        try await guarded {
            var items: [CollectedData] = []
            for _ in 0..<count { items.append(try await source.collect()) }
            return items
        }
    }

    /// The whole feed: subscribe, text, binary, fragmented, ping, close with a code.
    private func checkFeed(_ source: WebSocketSource) async throws {
        try await source.connect()
        let items = try await take(4, from: source)
        #expect(text(items[0]) == "{\"subscribed\":{\"topic\":\"readings\"}}")
        #expect(items[0].format == .json)
        #expect(items[0].metadata["opcode"] == .string("text"))
        #expect(items[1].payload == [0, 1, 2])
        #expect(items[1].format == .binary)
        #expect(text(items[2]) == "fragmented")
        #expect(text(items[3]) == "after ping")  // the ping was answered: the server went on
        #expect(items[3].method == .websocket)
        let close = await #expect(throws: ErrorInfo.self) { _ = try await take(1, from: source) }
        #expect(close?.details["close_code"] == .integer(4000))
        #expect(close?.details["close_reason"] == .string("bye"))
        #expect(close?.isRetryable == true)
        #expect(await source.lastClose == WebSocketSource.Close(code: 4000, reason: "bye"))
        await source.disconnect()
    }

    @Test func receivesEveryKindOfMessageOverWS() async throws {
        try await WSFixture.with("ws_fixture.py") { server in
            try await checkFeed(
                WebSocketSource(
                    id: "ws", url: server.url("/feed"), options: .init(subscribeMessage: "{\"topic\":\"readings\"}")))
        }
    }

    @Test func receivesEveryKindOfMessageOverWSSWithAThrowawayCertificate() async throws {
        try await WSFixture.withCertificate { cert, key in
            try await WSFixture.with("ws_fixture.py", arguments: [cert, key]) { server in
                try await checkFeed(
                    WebSocketSource(
                        id: "wss", url: server.url("/feed", secure: true),
                        options: .init(subscribeMessage: "{\"topic\":\"readings\"}", tlsCAFile: cert)))
                // Without trusting that certificate, TLS fails and says so.
                let untrusted = WebSocketSource(id: "untrusted", url: server.url("/feed", secure: true))
                let error = await #expect(throws: ErrorInfo.self) { try await guarded { try await untrusted.connect() } }
                #expect(error?.type == .connection)
                #expect(error?.message.contains("TLS") == true)
            }
        }
    }

    @Test func aTokenIsSentAsABearerAuthorizationAndNeverShown() async throws {
        try await WSFixture.with("ws_fixture.py") { server in
            let source = WebSocketSource(
                id: "ws", url: server.url("/auth"),
                options: .init(headers: ["Authorization": "Basic overridden"], bearerToken: "WsTokenMarker_42"))
            let items = try await take(1, from: source)
            #expect(text(items[0]) == "Bearer WsTokenMarker_42")
            #expect(!SecretRedactor.shared.redact("echo: Bearer WsTokenMarker_42").contains("WsTokenMarker_42"))
            await source.disconnect()
        }
    }

    @Test func reconnectsAfterANormalClose() async throws {
        try await WSFixture.with("ws_fixture.py") { server in
            let source = WebSocketSource(
                id: "ws", url: server.url("/normal"), options: .init(reconnectDelay: .milliseconds(20)))
            let items = try await take(3, from: source)
            #expect(items.map(text) == ["n1", "n2", "n3"])
            #expect(await source.connections == 3)
            #expect(await source.lastClose?.code == 1000)
            await source.disconnect()
        }
    }

    /// Every message's `url` is the source's URL without its query, on every connection.
    @Test func everyMessageShowsTheURLWithoutItsQuery() async throws {
        try await WSFixture.with("ws_fixture.py") { server in
            let url = URL(string: server.url("/normal").absoluteString + "?token=T0ken")!
            let source = WebSocketSource(id: "ws", url: url, options: .init(reconnectDelay: .milliseconds(20)))
            let items = try await take(2, from: source)
            #expect(items.map(text) == ["n1", "n2"])
            #expect(items.map { $0.metadata["url"] } == Array(repeating: .string("ws://127.0.0.1:\(server.port)/normal?…"), count: 2))
            await source.disconnect()
        }
    }

    @Test func sendsAndEchoes() async throws {
        try await WSFixture.with("ws_fixture.py") { server in
            let source = WebSocketSource(id: "ws", url: server.url("/echo"))
            try await source.connect()
            let long = String(repeating: "é", count: 40_000)  // a 16-bit and a 64-bit length
            try await source.send("ping me")
            try await source.send(long)
            let items = try await take(2, from: source)
            #expect(items.map(text) == ["ping me", long])
            await source.disconnect()
        }
    }

    @Test func aMessageOverTheLimitClosesWith1009() async throws {
        try await WSFixture.with("ws_fixture.py") { server in
            let source = WebSocketSource(
                id: "ws", url: server.url("/big?size=100000"), options: .init(maxMessageSize: 10_000))
            let error = await #expect(throws: ErrorInfo.self) { _ = try await take(1, from: source) }
            #expect(error?.type == .validation)
            #expect(error?.details["close_code"] == .integer(1009))
            await source.disconnect()
        }
    }

    @Test(arguments: [
        ("/masked", 1002), ("/bad-close-code", 1002), ("/interleaved", 1002), ("/bad-utf8", 1007),
    ])
    func protocolViolationsAreClearErrors(path: String, code: Int) async throws {
        try await WSFixture.with("ws_raw_fixture.py") { server in
            let source = WebSocketSource(
                id: "ws", url: server.url(path), options: .init(reconnectDelay: .milliseconds(10)))
            let error = await #expect(throws: ErrorInfo.self) { _ = try await take(1, from: source) }
            #expect(error?.type == .validation)
            #expect(error?.details["close_code"] == .integer(Int64(code)))
            #expect(error?.message.contains("protocol violation") == true)
            // The source recovers: the next collect reconnects (and meets the same server again).
            let again = await #expect(throws: ErrorInfo.self) { _ = try await take(1, from: source) }
            #expect(again?.details["close_code"] == .integer(Int64(code)))
            #expect(await source.connections == 2)
            await source.disconnect()
        }
    }

    @Test func aConnectionClosedMidFrameIsAConnectionError() async throws {
        try await WSFixture.with("ws_raw_fixture.py") { server in
            let source = WebSocketSource(id: "ws", url: server.url("/cut"))
            let error = await #expect(throws: ErrorInfo.self) { _ = try await take(1, from: source) }
            #expect(error?.type == .connection)
            #expect(error?.details["mid_frame"] == .bool(true))
            #expect(error?.isRetryable == true)
            await source.disconnect()
        }
    }

    @Test func aWrongAcceptIsRefused() async throws {
        try await WSFixture.with("ws_raw_fixture.py") { server in
            let source = WebSocketSource(id: "ws", url: server.url("/wrong-accept"))
            let error = await #expect(throws: ErrorInfo.self) { try await guarded { try await source.connect() } }
            #expect(error?.type == .connection)
            #expect(error?.isRetryable == false)
            #expect(error?.details["handshake"]?.stringValue?.contains("Sec-WebSocket-Accept") == true)
            // The raw server itself is fine when it answers correctly.
            let ok = WebSocketSource(id: "ok", url: server.url("/ok"), options: .init(textFormat: .text))
            let received = try await take(1, from: ok).map(text)
            #expect(received == ["raw ok"])
            await ok.disconnect()
        }
    }

    /// The first connection is the caller's to retry: each failure comes as
    /// it is, retryable, not counted against the reconnect attempts.
    @Test func aFirstConnectionRefusedIsThrownAsItIs() async throws {
        let port = try ReservedPort()
        let source = WebSocketSource(
            id: "ws", url: URL(string: "ws://127.0.0.1:\(port.port)/")!,
            options: .init(reconnectDelay: .milliseconds(10), maxReconnectAttempts: 2))
        for _ in 1...3 {
            let error = await #expect(throws: ErrorInfo.self) { try await source.connect() }
            #expect(error?.type == .connection)
            #expect(error?.isRetryable == true)
            #expect(error?.details["reconnect_attempt"] == nil)
        }
        withExtendedLifetime(port) {}  // the port stays reserved (refusing) until here
    }

    /// The next item, or the error the source threw instead.
    private func next(_ source: WebSocketSource) async throws -> Result<CollectedData, ErrorInfo> {
        try await guarded {
            do { return .success(try await source.collect()) } catch let error as ErrorInfo { return .failure(error) }
        }
    }

    @Test func reconnectsWhenItsServerRestartsMidStream() async throws {
        let first = try await WSFixture.start("ws_feed_fixture.py", arguments: ["0", "1"])
        let source = WebSocketSource(
            id: "ws", url: first.url("/"),
            options: .init(reconnectDelay: .milliseconds(50), maxReconnectDelay: .milliseconds(200), textFormat: .text))
        try await source.connect()
        #expect(text(try await take(1, from: source)[0]).contains("\"gen\": \"1\""))
        await first.stop()
        // Messages already received come first; then the drop is reported once, as attempt 1.
        var reports: [ErrorInfo] = []
        while reports.isEmpty {
            if case .failure(let error) = try await next(source) { reports.append(error) }
        }
        // While the server is down, each failed attempt is reported, numbered, retryable.
        if case .failure(let error) = try await next(source) { reports.append(error) }
        let second = try await WSFixture.start("ws_feed_fixture.py", arguments: [String(first.port), "2"])
        var after: CollectedData?
        while after == nil {
            switch try await next(source) {
            case .success(let item): after = item
            case .failure(let error): reports.append(error)
            }
        }
        #expect(text(after!).contains("\"gen\": \"2\""), "the restarted server's messages come in")
        #expect(reports.count >= 2)
        let allRetryable = reports.allSatisfy { $0.isRetryable }
        #expect(allRetryable, "\(reports.map(\.message))")
        #expect(reports.map { $0.details["reconnect_attempt"] } == (1...reports.count).map { .integer(Int64($0)) })
        let capped = reports.allSatisfy { ($0.details["delay_seconds"]?.numberValue ?? -1) <= 0.2 }
        #expect(capped, "the cap holds")
        #expect(await source.connections == 2)
        await source.disconnect()
        await second.stop()
    }

    @Test func givesUpAfterItsReconnectAttemptsWhenTheServerStaysDown() async throws {
        let server = try await WSFixture.start("ws_feed_fixture.py", arguments: ["0", "1"])
        let source = WebSocketSource(
            id: "ws", url: server.url("/"),
            options: .init(reconnectDelay: .milliseconds(10), maxReconnectDelay: .milliseconds(40), maxReconnectAttempts: 3))
        try await source.connect()
        _ = try await take(1, from: source)
        await server.stop()
        var reports: [ErrorInfo] = []
        while reports.last?.isRetryable ?? true {
            if case .failure(let error) = try await next(source) { reports.append(error) }
        }
        #expect(reports.count == 3, "\(reports.map(\.message))")
        let last = try #require(reports.last)
        #expect(last.details["reconnect_attempts"] == .integer(3))
        #expect(last.message.hasPrefix("gave up reconnecting to ws://127.0.0.1:\(server.port)/ after 3 failed attempts in a row"))
    }

    @Test func notAWebSocketURLIsAConfigurationError() async throws {
        let source = WebSocketSource(id: "ws", url: URL(string: "http://127.0.0.1/")!)
        let error = await #expect(throws: ErrorInfo.self) { try await source.connect() }
        #expect(error?.type == .configuration)
    }
}

/// A WebSocket through an HTTP proxy: a CONNECT tunnel, for ws:// too.
@Suite struct WebSocketProxyTests {
    @Test func wsGoesThroughACONNECTTunnel() async throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("ws-proxy-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        try await WSFixture.with("ws_fixture.py") { server in
            try await WSFixture.with("proxy_fixture.py", arguments: [log]) { proxy in
                let source = WebSocketSource(
                    id: "ws", url: server.url("/auth"),
                    options: .init(bearerToken: "WsProxied_1", proxy: .url("http://127.0.0.1:\(proxy.port)")))
                let item = try await guarded { try await source.collect() }
                #expect(String(decoding: item.payload, as: UTF8.self) == "Bearer WsProxied_1")
                await source.disconnect()
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                #expect(text.contains("\"kind\": \"connect\""))
                #expect(text.contains("\"target\": \"127.0.0.1:\(server.port)\""))
            }
        }
    }
}
