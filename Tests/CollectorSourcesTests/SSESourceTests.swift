import CollectorHTTPSources
import CollectorSources
import CollectorValues
import Collectors
import Foundation
import Testing

@Suite struct SSESourceTests {
    private func take(_ count: Int, from source: SSESource) async throws -> [CollectedData] {
        try await TestSupport.guarded {
            var items: [CollectedData] = []
            for _ in 0..<count { items.append(try await source.collect()) }
            return items
        }
    }

    @Test func streamsEventsAndReconnectsAfterTheServerCloses() async throws {
        try await Fixture.with { server in
            let source = SSESource(id: "sse", url: server.url("/sse/basic"), options: .init(format: .text))
            try await source.connect()
            let items = try await take(5, from: source)
            #expect(items.map(TestSupport.text) == ["one", "two\nlines", "three", "no space", "one"])
            #expect(items.map { $0.metadata["event"] } == ["message", "update", "message", "message", "message"])
            #expect(items[1].metadata["event_id"] == .string("7"))
            #expect(items[0].metadata["content_type"] == .string("text/event-stream"))
            #expect(items[0].method == .sse)
            #expect(items[3].metadata["connection"] == .integer(1))
            #expect(items[4].metadata["connection"] == .integer(2))  // the unfinished event was not collected
            await source.disconnect()
        }
    }

    /// Every event's `url` is the source's URL without its credentials and
    /// query, on every connection.
    @Test func everyEventShowsTheURLWithoutCredentialsOrQuery() async throws {
        try await Fixture.with { server in
            let url = URL(string: "http://reader:pa55word@127.0.0.1:\(server.port)/sse/basic?api_key=Q123")!
            let source = SSESource(id: "sse", url: url, options: .init(format: .text))
            try await source.connect()
            let items = try await take(5, from: source)
            #expect(items.map { $0.metadata["url"] } == Array(repeating: .string("http://127.0.0.1:\(server.port)/sse/basic?…"), count: 5))
            #expect(items[4].metadata["connection"] == .integer(2))
            await source.disconnect()
        }
    }

    @Test func eventsInAChunkedBodyAreSplitWhereverTheChunksAre() async throws {
        try await Fixture.with { server in
            let source = SSESource(id: "sse", url: server.url("/sse/chunked"), options: .init(format: .text))
            let items = try await take(2, from: source)
            #expect(items.map(TestSupport.text) == ["first", "second"])
            #expect(items.map { $0.metadata["event_id"] } == ["1", "2"])
            await source.disconnect()
        }
    }

    @Test func resumesWithLastEventIDWithoutDuplicates() async throws {
        try await Fixture.with { server in
            let source = SSESource(id: "sse", url: server.url("/sse/resume"), options: .init(format: .text))
            let items = try await TestSupport.guarded {
                var items: [CollectedData] = []
                for try await item in source.stream() {
                    items.append(item)
                    if items.count == 5 { break }
                }
                return items
            }
            #expect(items.map(TestSupport.text) == ["event 1", "event 2", "event 3", "event 4", "event 5"])
            #expect(items.map { $0.metadata["event_id"] } == ["1", "2", "3", "4", "5"])
            #expect(await source.connections == 3)
            #expect(await source.lastEventID == "5")
            await source.disconnect()
        }
    }

    @Test func garbageAndATenMegabyteEventAreSurvived() async throws {
        try await Fixture.with { server in
            let source = SSESource(id: "sse", url: server.url("/sse/garbage"), options: .init(format: .text))
            let error = await #expect(throws: ErrorInfo.self) { _ = try await take(1, from: source) }
            #expect(error?.type == .validation)
            #expect(error?.details["max_event_size"] == .integer(1 << 20))
            let after = try await take(1, from: source)
            #expect(after.map(TestSupport.text) == ["after"])
            await source.disconnect()
        }
    }

    @Test func aWrongTokenIsNotRetried() async throws {
        try await Fixture.with { server in
            let source = SSESource(id: "sse", url: server.url("/auth"), options: .init(bearerToken: "wrong"))
            let error = await #expect(throws: ErrorInfo.self) { _ = try await take(1, from: source) }
            #expect(error?.type == .authentication)
            #expect(error?.details["http_status"] == .integer(401))
            #expect(error?.details["body_excerpt"]?.stringValue?.contains("bad token") == true)
            #expect(await source.connections == 1)
        }
    }

    @Test func aResponseThatIsNotAnEventStreamIsRefused() async throws {
        try await Fixture.with { server in
            let source = SSESource(id: "sse", url: server.url("/ok"))
            let error = await #expect(throws: ErrorInfo.self) { _ = try await take(1, from: source) }
            #expect(error?.type == .validation)
            #expect(error?.details["content_type"] == .string("application/json"))
        }
    }

    @Test func refusedConnectionsBackOffThenGiveUp() async throws {
        let port = try TestSupport.ClosedPort()
        let source = SSESource(
            id: "sse", url: URL(string: "http://127.0.0.1:\(port.port)/sse/basic")!,
            options: .init(reconnectDelay: .milliseconds(10), maxReconnectAttempts: 3))
        let error = await #expect(throws: ErrorInfo.self) { _ = try await take(1, from: source) }
        #expect(error?.type == .connection)
        #expect(error?.details["reconnect_attempts"] == .integer(3))
        #expect(await source.connections == 3)
        withExtendedLifetime(port) {}  // the port stays reserved (refusing) until here
    }

    @Test func reconnectsAndResumesWhenItsServerRestartsMidStream() async throws {
        let first = try await Fixture.start("http_fixture.py")
        let source = SSESource(
            id: "sse", url: first.url("/sse/forever"),
            options: .init(reconnectDelay: .milliseconds(50), maxReconnectDelay: .milliseconds(200), format: .text))
        let before = try await take(2, from: source).map(TestSupport.text)
        #expect(before == ["1", "2"])
        await first.stop()
        let second = try await Fixture.start("http_fixture.py", arguments: ["--port", String(first.port)])
        // Events the first server sent before it went may still come; then the restarted one's, resumed.
        var after: [Int] = []
        while await source.connections < 2 || after.count < 2 {
            after.append(Int(TestSupport.text(try await take(1, from: source)[0])) ?? -1)
        }
        #expect(after == Array(3..<(3 + after.count)), "numbered on without a gap or a duplicate: \(after)")
        #expect(await source.connections >= 2)
        await source.disconnect()
        await second.stop()
    }

    /// `stream()` reports each failed connection (a retryable error with the
    /// attempt and the delay) where `collect()` reconnects quietly; the next
    /// `stream()` reconnects and resumes after the last event.
    @Test func theStreamReportsAFailedConnectionAndTheNextOneResumes() async throws {
        let first = try await Fixture.start("http_fixture.py")
        let source = SSESource(
            id: "sse", url: first.url("/sse/forever"),
            options: .init(reconnectDelay: .milliseconds(50), maxReconnectDelay: .milliseconds(200), format: .text))
        let (numbers, report) = try await TestSupport.guarded { () -> ([Int], ErrorInfo?) in
            var numbers: [Int] = []
            do {
                for try await item in source.stream() {
                    numbers.append(Int(TestSupport.text(item)) ?? -1)
                    if numbers.count == 2 { await first.stop() }
                }
                return (numbers, nil)
            } catch let error as ErrorInfo {
                return (numbers, error)
            }
        }
        #expect(report?.isRetryable == true, "\(String(describing: report))")
        #expect(report?.details["reconnect_attempt"]?.intValue ?? 0 >= 1)
        #expect(report?.details["delay_seconds"] != nil)
        let second = try await Fixture.start("http_fixture.py", arguments: ["--port", String(first.port)])
        let next = try await TestSupport.guarded { () -> Int in
            // Connections refused until the server is back are reported too; then the events go on.
            while true {
                do {
                    for try await item in source.stream() { return Int(TestSupport.text(item)) ?? -1 }
                } catch let error as ErrorInfo where error.isRetryable {
                    continue
                }
            }
        }
        #expect(next == (numbers.last ?? 0) + 1, "resumed after \(numbers)")
        await source.disconnect()
        await second.stop()
    }
}
