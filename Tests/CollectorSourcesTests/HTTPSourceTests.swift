import CollectorNetwork
import CollectorHTTPSources
import CollectorSources
import CollectorValues
import Collectors
import Foundation
import Testing

@Suite struct HTTPSourceTests {
    private func json(_ data: CollectedData) throws -> DataValue { try JSONReader().read(data.payload) }

    private func failure(_ source: HTTPSource) async -> ErrorInfo? {
        await #expect(throws: ErrorInfo.self) { _ = try await TestSupport.guarded { try await source.collect() } }
    }

    @Test func getsAResponseWithItsTransportDetails() async throws {
        try await Fixture.with { server in
            let source = HTTPSource(id: "api", url: server.url("/ok"))
            try await source.connect()
            let item = try await source.collect()
            #expect(item.format == .json)
            #expect(item.method == .httpGet)
            #expect(try json(item)["n"] == .integer(1))
            #expect(item.metadata["http_status"] == .integer(200))
            #expect(item.metadata["content_type"] == .string("application/json"))
            #expect(item.metadata["latency_ms"]?.numberValue.map { $0 >= 0 } == true)
            await source.disconnect()
        }
    }

    @Test func sendsMethodHeadersQueryBodyAndToken() async throws {
        try await Fixture.with { server in
            let source = HTTPSource(
                id: "api", url: server.url("/echo?fixed=1"),
                options: .init(
                    method: .post, headers: ["X-Trace": "abc", "Content-Type": "application/json"],
                    bearerToken: "secret", query: ["b": "2", "a": "x y"], body: Array("{\"k\":1}".utf8)))
            let echo = try json(try await source.collect())
            #expect(echo["method"] == "POST")
            #expect(echo["query"] == ["fixed": "1", "a": "x y", "b": "2"])
            #expect(echo["headers"]?["x-trace"] == "abc")
            #expect(echo["headers"]?["authorization"] == "Bearer secret")
            #expect(echo["body"] == "{\"k\":1}")
            let put = HTTPSource(id: "put", url: server.url("/echo"), options: .init(method: .put, body: Array("v".utf8)))
            let item = try await put.collect()
            #expect(try json(item)["method"] == "PUT")
            #expect(item.method.rawValue == "http_put")
        }
    }

    @Test func aWrongTokenIsAnAuthenticationErrorThatIsNotRetried() async throws {
        try await Fixture.with { server in
            let good = HTTPSource(id: "good", url: server.url("/auth"), options: .init(bearerToken: "secret"))
            let got1 = try json(try await good.collect())["ok"]
            #expect(got1 == true)
            let bad = HTTPSource(id: "bad", url: server.url("/auth"), options: .init(bearerToken: "wrong"))
            let error = await failure(bad)
            #expect(error?.type == .authentication)
            #expect(error?.isRetryable == false)
            #expect(error?.details["http_status"] == .integer(401))
            #expect(error?.details["body_excerpt"]?.stringValue?.contains("bad token") == true)
        }
    }

    @Test(arguments: [
        (500, ErrorType.connection, true), (502, .connection, true), (404, .notFound, false),
        (400, .validation, false), (403, .authentication, false), (429, .rateLimit, true), (408, .timeout, true),
    ])
    func statusCodesBecomeTypedErrors(status: Int, type: ErrorType, retryable: Bool) async throws {
        try await Fixture.with { server in
            let source = HTTPSource(id: "api", url: server.url("/status/\(status)"))
            let error = await failure(source)
            #expect(error?.type == type)
            #expect(error?.isRetryable == retryable)
            #expect(error?.details["http_status"] == .integer(Int64(status)))
            #expect(error?.details["body_excerpt"]?.stringValue?.contains("from the fixture") == true)
        }
    }

    @Test(arguments: [429, 503])
    func retryAfterIsReportedAndObeyed(status: Int) async throws {
        try await Fixture.with { server in
            let source = HTTPSource(id: "api", url: server.url("/flaky/\(status)"))
            let error = await failure(source)
            #expect(error?.type == .rateLimit)
            #expect(error?.isRetryable == true)
            #expect(error?.details["retry_after_seconds"] == .double(1))
            // The next request waits out the Retry-After, then succeeds.
            let got2 = try json(try await TestSupport.guarded { try await source.collect() })["ok"]
            #expect(got2 == true)
        }
    }

    @Test func unchangedDataIsNotCollectedTwice() async throws {
        try await Fixture.with { server in
            let source = HTTPSource(id: "api", url: server.url("/etag"))
            let first = try await source.collect()
            #expect(try json(first)["version"] == 1)
            #expect(first.metadata["etag"] == .string("\"v1\""))
            // A 304 is no failure: the source says it has nothing new.
            let unchanged = await #expect(throws: SourceUnchanged.self) {
                _ = try await TestSupport.guarded { try await source.collect() }
            }
            #expect(unchanged?.sourceID == "api")
            #expect(unchanged?.reason.contains("has not changed") == true)
            _ = try await HTTPSource(id: "bump", url: server.url("/etag/bump")).collect()
            let got3 = try json(try await source.collect())["version"]
            #expect(got3 == 2)
        }
    }

    @Test func pollingSkipsUnchangedResponses() async throws {
        try await Fixture.with { server in
            let source = HTTPSource(
                id: "api", url: server.url("/etag"), options: .init(interval: .milliseconds(30), jitter: 0.5))
            // Change the resource only after the server has answered some polls
            // with 304 (an observable condition, not a guess at timing).
            let bumper = Task {
                while true {
                    let counts = try json(try await HTTPSource(id: "n", url: server.url("/requests")).collect())
                    if (counts["/etag"]?.intValue ?? 0) >= 3 { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                _ = try await HTTPSource(id: "bump", url: server.url("/etag/bump")).collect()
            }
            let versions = try await TestSupport.guarded {
                var versions: [DataValue?] = []
                for try await item in source.stream() {
                    versions.append(try JSONReader().read(item.payload)["version"])
                    if versions.count == 2 { break }
                }
                return versions
            }
            try await bumper.value
            #expect(versions == [.integer(1), .integer(2)])
            let counts = try json(try await HTTPSource(id: "n", url: server.url("/requests")).collect())
            #expect((counts["/etag"]?.intValue ?? 0) > 2)  // polls answered 304 were skipped
            await source.disconnect()
        }
    }

    @Test func followsLinkHeaderPagesBounded() async throws {
        try await Fixture.with { server in
            let source = HTTPSource(id: "api", url: server.url("/pages"), options: .init(pagination: .linkHeader()))
            var pages: [DataValue?] = []
            var more: [DataValue?] = []
            for _ in 0..<4 {
                let item = try await source.collect()
                pages.append(try json(item)["page"])
                more.append(item.metadata["has_more"])
            }
            #expect(pages == [1, 2, 3, 1])
            #expect(more == [true, true, false, true])
            let bounded = HTTPSource(id: "b", url: server.url("/pages"), options: .init(pagination: .linkHeader(maxPages: 2)))
            var boundedPages: [DataValue?] = []
            for _ in 0..<3 { boundedPages.append(try json(try await bounded.collect())["page"]) }
            #expect(boundedPages == [1, 2, 1])
        }
    }

    @Test func followsACursorField() async throws {
        try await Fixture.with { server in
            let source = HTTPSource(
                id: "api", url: server.url("/cursor"),
                options: .init(pagination: .cursor(field: "meta.next", parameter: "cursor"), interval: .seconds(3600)))
            let items = try await TestSupport.guarded {
                var items: [DataValue?] = []
                for try await item in source.stream() {
                    items.append(try JSONReader().read(item.payload)["items"])
                    if item.metadata["has_more"] == .bool(false) { break }
                }
                return items
            }
            #expect(items == [["c1"], ["c2"], ["c3"]])
        }
    }

    @Test func aServerThatNeverAnswersTimesOut() async throws {
        try await Fixture.with { server in
            let source = HTTPSource(id: "api", url: server.url("/stall"), options: .init(timeout: .seconds(1)))
            let error = await failure(source)
            #expect(error?.type == .timeout)
            #expect(error?.isRetryable == true)
            #expect(error?.details["network_error"] == .string("timed_out"))
            // A slow answer inside the timeout is fine.
            let slow = HTTPSource(id: "slow", url: server.url("/slow?delay=0.2"), options: .init(timeout: .seconds(10)))
            let got4 = try json(try await slow.collect())["slow"]
            #expect(got4 == true)
        }
    }

    @Test func aBodyCutOffMidwayIsARetryableConnectionError() async throws {
        try await Fixture.with { server in
            for path in ["/cut", "/chunked?cut=1"] {
                let source = HTTPSource(id: "api", url: server.url(path))
                let error = await failure(source)
                #expect(error?.type == .connection)
                #expect(error?.isRetryable == true)
                #expect(error?.details["network_error"] == .string("body_cut_off"))
            }
        }
    }

    @Test func anOversizeBodyIsRefused() async throws {
        try await Fixture.with { server in
            // Announced by Content-Length (refused before reading), or found out while reading chunks.
            for path in ["/big?size=200000", "/big?size=200000&chunked=1"] {
                let limited = HTTPSource(
                    id: "api", url: server.url(path), options: .init(maxResponseSize: 10_000, format: .text))
                let error = await failure(limited)
                #expect(error?.type == .validation)
                #expect(error?.isRetryable == false)
                #expect(error?.details["max_response_size"] == .integer(10_000))
                #expect(error?.details["http_status"] == .integer(200))
            }
            let small = HTTPSource(
                id: "ok", url: server.url("/big?size=5000"), options: .init(maxResponseSize: 10_000, format: .text))
            let got5 = try await small.collect().payload.count
            #expect(got5 == 5000)
        }
    }

    @Test func binaryWhereTextWasExpectedIsAValidationError() async throws {
        try await Fixture.with { server in
            let text = HTTPSource(id: "api", url: server.url("/binary"), options: .init(format: .text))
            let error = await failure(text)
            #expect(error?.type == .validation)
            #expect(error?.details["content_type"] == .string("text/plain"))
            let binary = HTTPSource(id: "bin", url: server.url("/binary"), options: .init(format: .binary))
            let got6 = try await binary.collect().payload.first
            #expect(got6 == 0xFF)
        }
    }

    @Test func connectionRefusedIsRetryable() async throws {
        let port = try TestSupport.ClosedPort()
        let url = URL(string: "http://127.0.0.1:\(port.port)/ok")!
        let source = HTTPSource(id: "api", url: url, options: .init(timeout: .seconds(10)))
        let error = await failure(source)
        #expect(error?.type == .connection)
        #expect(error?.isRetryable == true)
        #expect(error?.details["url"] == .string(url.absoluteString))
        #expect(error?.details["network_error"] == .string("connection_refused"))
        withExtendedLifetime(port) {}  // the port stays reserved (refusing) until here
    }

    /// A real lookup would leave the machine (the resolver asks its DNS
    /// server, even for `.invalid`). A name no DNS can hold (a label over 63
    /// bytes) fails in the resolver before any query: the whole path from
    /// resolver to error, on no network at all.
    @Test func aDNSFailureIsAConnectionErrorThatIsNotRetried() async throws {
        let url = URL(string: "http://\(String(repeating: "a", count: 64)).invalid/")!
        let error = await failure(HTTPSource(id: "api", url: url))
        #expect(error?.type == .connection)
        #expect(error?.isRetryable == false)
        #expect(error?.details["network_error"] == .string("host_not_found"))
        // And the resolver's own failure (the name does not exist) is typed the same way.
        let mapped = HTTPErrors.transport(
            NetworkError(.hostNotFound, "host not found: collector-test.invalid"), sourceID: "api",
            url: URL(string: "http://collector-test.invalid/")!)
        #expect(mapped.type == .connection)
        #expect(mapped.isRetryable == false)
    }

    @Test func pollingYieldsEachPoll() async throws {
        try await Fixture.with { server in
            let source = HTTPSource(id: "api", url: server.url("/ok"), options: .init(interval: .milliseconds(20)))
            let counts = try await TestSupport.guarded {
                var counts: [DataValue?] = []
                for try await item in source.stream() {
                    counts.append(try JSONReader().read(item.payload)["n"])
                    if counts.count == 3 { break }
                }
                return counts
            }
            #expect(counts == [1, 2, 3])
        }
    }

    @Test func aStreamOfOnePollEndsAfterItsLastPageWithoutWaitingTheInterval() async throws {
        try await Fixture.with { server in
            let source = HTTPSource(
                id: "api", url: server.url("/numbered"),
                options: .init(
                    pagination: .pageNumber(parameter: "page", start: 2, itemsField: "data"), interval: .seconds(3600),
                    maxPolls: 1))
            // Bounded wait: a stream that waited for the next poll would never end here.
            let pages = try await TestSupport.guarded {
                var pages: [Int] = []
                for try await item in source.stream() { pages.append(Int(item.metadata["page"]?.intValue ?? 0)) }
                return pages
            }
            // From page 2: pages 2 and 3 hold items, page 4 is empty and ends the poll.
            #expect(pages == [1, 2, 3])
            #expect(source.url.query == "page=2")
        }
    }

    /// The first item of a new `stream()`, or the error it ended with.
    private func firstOfStream(_ source: HTTPSource) async throws -> Result<CollectedData, ErrorInfo> {
        try await TestSupport.guarded {
            do {
                for try await item in source.stream() { return .success(item) }
                throw ErrorInfo(.unknown, layer: .collection, operation: "test", message: "the stream ended without an item")
            } catch let error as ErrorInfo {
                return .failure(error)
            }
        }
    }

    @Test func aFailedPollIsReportedAndTriedAgainByTheReconnectPolicy() async throws {
        try await Fixture.with { server in
            let source = HTTPSource(
                id: "api", url: server.url("/flaky/503"),
                options: .init(interval: .seconds(60), reconnect: ReconnectPolicy(initialDelay: .milliseconds(20))))
            guard case .failure(let report) = try await firstOfStream(source) else {
                Issue.record("the first poll should fail")
                return
            }
            #expect(report.isRetryable)
            #expect(report.details["http_status"] == .integer(503))
            #expect(report.details["reconnect_attempt"] == .integer(1))
            // Tried again after the backoff (and the server's Retry-After), not a whole interval later.
            guard case .success(let item) = try await firstOfStream(source) else {
                Issue.record("the retried poll should succeed")
                return
            }
            #expect(item.metadata["http_status"] == .integer(200))
            await source.disconnect()
        }
    }

    @Test func pollingGivesUpAfterItsAttemptsInARow() async throws {
        try await Fixture.with { server in
            let source = HTTPSource(
                id: "api", url: server.url("/status/500"),
                options: .init(
                    interval: .seconds(60),
                    reconnect: ReconnectPolicy(initialDelay: .milliseconds(10), maxDelay: .milliseconds(20), maxAttempts: 3)))
            var reports: [ErrorInfo] = []
            while reports.last?.isRetryable ?? true {
                if case .failure(let error) = try await firstOfStream(source) { reports.append(error) }
            }
            #expect(reports.map { $0.details["reconnect_attempt"] } == [.integer(1), .integer(2), nil])
            #expect(reports.last?.details["reconnect_attempts"] == .integer(3))
            #expect(reports.last?.message.hasPrefix("gave up after 3 failed polls in a row: HTTP 500") == true)
            await source.disconnect()
        }
    }
}
