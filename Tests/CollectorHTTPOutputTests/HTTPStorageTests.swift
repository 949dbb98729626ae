import CollectorHTTPOutput
import CollectorValues
import Collectors
import Foundation
import Testing

/// `HTTPStorage` against a real receiver on loopback: what arrives, how
/// answers that are not 2xx are handled, and that a batch is sent under one
/// idempotency key however often it is sent.
@Suite(.timeLimit(.minutes(4)))
struct HTTPStorageTests {
    private let values: [DataValue] = [
        ["sensor": "s-1", "value": 20.5, "count": 3, "note": .null, "tags": ["a", "ü €"]],
        ["sensor": "s-2", "value": 1.0, "count": -9_007_199_254_740_993, "empty": .array([])],
    ]

    private func records(_ values: [DataValue]) -> [Record] {
        values.enumerated().map { index, value in
            // One travels as a value, the other as JSON text, as records from processors do.
            let record = Record(value, sourceID: "test", sequence: UInt64(index + 1))
            guard index % 2 == 1, let text = try? JSONWriter().bytes(value) else { return record }
            return record.with(jsonText: text[...])
        }
    }

    /// Short backoffs; a long timeout, so that a test runner whose threads
    /// are all busy for a while (the suite runs tests in parallel) is not
    /// taken for a slow server.
    private func fast(_ options: HTTPStorage.Options = .init()) -> HTTPStorage.Options {
        var options = options
        options.timeout = .seconds(100)
        options.retryDelay = .milliseconds(50)
        options.maxRetryDelay = .milliseconds(200)
        return options
    }

    private func received(_ post: SinkServer.Post) -> [DataValue] {
        post.records.map { try! JSONReader().read(Array(try! JSONSerialization.data(withJSONObject: $0))) }
    }

    @Test(arguments: [(HTTPStorage.Format.ndjson, false), (.json, false), (.ndjson, true), (.json, true)])
    func aBatchArrivesIntactInOnePost(format: HTTPStorage.Format, gzip: Bool) async throws {
        let server = try SinkServer()
        let storage = HTTPStorage(id: "out", url: server.url("/ingest"), options: fast(.init(format: format, gzip: gzip)))
        try await storage.connect()
        try await storage.connect()
        let written = try await storage.store(records: records(values))
        await storage.disconnect()
        #expect(written.count == 2)
        let posts = server.posts()
        try #require(posts.count == 1)
        #expect(posts[0].gzip == gzip)
        #expect(posts[0].format == (format == .ndjson ? "application/x-ndjson" : "application/json"))
        #expect(received(posts[0]).count == 2)
        // The JSON round trip through Python keeps strings, nulls, empty arrays and big integers.
        let first = posts[0].records[0]
        #expect(first["sensor"] as? String == "s-1")
        #expect(first["note"] is NSNull)
        #expect(first["tags"] as? [String] == ["a", "ü €"])
        #expect((posts[0].records[1]["count"] as? NSNumber)?.int64Value == -9_007_199_254_740_993)
        #expect((posts[0].records[1]["empty"] as? [Any])?.isEmpty == true)
    }

    @Test func sendsTheTokenOrBasicCredentialsAndHeaders() async throws {
        let server = try SinkServer()
        let bearer = HTTPStorage(
            id: "a", url: server.url("/ingest"), options: fast(.init(bearerToken: "SinkTok_1234", headers: ["X-Tenant": "t1"])))
        try await bearer.connect()
        _ = try await bearer.store(records: records([values[0]]))
        let basic = HTTPStorage(
            id: "b", url: server.url("/ingest"), options: fast(.init(basicUser: "ann", basicPassword: "SinkPw_5678")))
        try await basic.connect()
        _ = try await basic.store(records: records([values[0]]))
        let posts = server.posts()
        try #require(posts.count == 2)
        #expect(posts[0].headers["authorization"] == "Bearer SinkTok_1234")
        #expect(posts[0].headers["x-tenant"] == "t1")
        #expect(posts[1].headers["authorization"] == "Basic " + Data("ann:SinkPw_5678".utf8).base64EncodedString())
        // Neither secret can leave the engine in an error or a log line.
        let redacted = SecretRedactor.shared.redact("SinkTok_1234 SinkPw_5678")
        #expect(!redacted.contains("SinkTok_1234") && !redacted.contains("SinkPw_5678"))
        await bearer.disconnect()
        await basic.disconnect()
    }

    @Test(arguments: ["1", "date"])
    func a429IsWaitedOutAsRetryAfterSaysThenStoredOnce(retryAfter: String) async throws {
        let server = try SinkServer()
        var value = retryAfter
        if retryAfter == "date" {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            value = formatter.string(from: Date().addingTimeInterval(1))
        }
        let query = "fail=429&times=1&retry_after=" + value.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let storage = HTTPStorage(id: "out", url: server.url("/ingest?" + query), options: fast())
        try await storage.connect()
        let started = ContinuousClock.now
        _ = try await storage.store(records: records(values))
        #expect(await storage.requestsSent == 2)
        // Retry-After was obeyed rather than the 50 ms backoff (a bound, not a timing of speed).
        #expect(ContinuousClock.now - started >= .milliseconds(retryAfter == "date" ? 0 : 900))
        let posts = server.posts()
        #expect(posts.count == 1)
        #expect(posts.first?.records.count == 2)
        await storage.disconnect()
    }

    @Test(arguments: [503, 500, 502, 408])
    func aServerErrorIsRetriedThenStored(status: Int) async throws {
        let server = try SinkServer()
        let storage = HTTPStorage(id: "out", url: server.url("/ingest?fail=\(status)&times=2"), options: fast())
        try await storage.connect()
        _ = try await storage.store(records: records(values))
        #expect(await storage.requestsSent == 3)
        #expect(server.posts().count == 1)
        await storage.disconnect()
    }

    @Test(arguments: [400, 401, 404, 413, 422])
    func aClientErrorRefusesTheRecordsWithoutRetrying(status: Int) async throws {
        let server = try SinkServer()
        let storage = HTTPStorage(id: "out", url: server.url("/ingest?fail=\(status)&times=99"), options: fast())
        try await storage.connect()
        let error = await #expect(throws: ErrorInfo.self) { try await storage.store(records: records(values)) }
        #expect(error?.type == .validation)
        #expect(error?.isRetryable == false)
        #expect(error?.details["http_status"] == .integer(Int64(status)))
        #expect(await storage.requestsSent == 1)
        await storage.disconnect()
    }

    @Test func aServerErrorThatLastsIsThrownRetryableAfterTheRetries() async throws {
        let server = try SinkServer()
        var options = fast()
        options.retries = 2
        let storage = HTTPStorage(id: "out", url: server.url("/ingest?fail=503&times=99"), options: options)
        try await storage.connect()
        let error = await #expect(throws: ErrorInfo.self) { try await storage.store(records: records(values)) }
        #expect(error?.isRetryable == true)
        #expect(await storage.requestsSent == 3)
        #expect(server.posts().isEmpty)
        await storage.disconnect()
    }

    @Test func aSlowServerTimesOutAndTheRetryCarriesTheSameKey() async throws {
        let server = try SinkServer()
        var options = fast()
        options.timeout = .seconds(2)
        let storage = HTTPStorage(id: "out", url: server.url("/ingest?delay=6&times=1"), options: options)
        try await storage.connect()
        _ = try await storage.store(records: records(values))
        // The first POST times out; a retry succeeds (on a loaded machine a
        // retry may time out too: every attempt carries the same key).
        let sent = await storage.requestsSent
        #expect(sent >= 2)
        // The slow first POST ends up at the server too (bounded wait): under
        // the same key, so a server that honours it stores the batch once.
        var posts = server.posts()
        for _ in 0..<150 where posts.count < sent {
            try await Task.sleep(for: .milliseconds(100))
            posts = server.posts()
        }
        try #require(posts.count >= 2, "\(posts.count) posts for \(sent) requests")
        #expect(posts[0].key != nil && Set(posts.map(\.key)).count == 1)
        #expect(posts.filter { !$0.duplicate }.count == 1)
        await storage.disconnect()
    }

    @Test func aServerThatIsDownIsARetryableConnectionError() async throws {
        // A port nobody listens on: bind one, then close it.
        let port = try SinkServer().port
        try await Task.sleep(for: .milliseconds(200))
        var options = fast()
        options.retries = 1
        let storage = HTTPStorage(id: "out", url: URL(string: "http://127.0.0.1:\(port)/ingest")!, options: options)
        try await storage.connect()
        let error = await #expect(throws: ErrorInfo.self) { try await storage.store(records: records(values)) }
        #expect(error?.type == .connection)
        #expect(error?.isRetryable == true)
        #expect(await storage.requestsSent == 2)
    }

    @Test func theIdempotencyKeyFollowsTheRecordIDs() async throws {
        let server = try SinkServer()
        let storage = HTTPStorage(id: "out", url: server.url("/ingest"), options: fast(.init(idempotencyHeader: "X-Batch")))
        try await storage.connect()
        let batch = records(values)
        _ = try await storage.store(records: batch)
        _ = try await storage.store(records: batch)
        _ = try await storage.store(records: Array(batch.reversed()))
        _ = try await storage.store(records: [batch[0]])
        let keys = server.posts().map { $0.headers["x-batch"] }
        try #require(keys.count == 4)
        #expect(keys[0] != nil && keys[0] == keys[1])
        #expect(keys[2] != keys[0])
        #expect(keys[3] == batch[0].id.uuidString)
        await storage.disconnect()
    }

    @Test func itPostsThroughAGivenProxyAndNotThroughOneItWasToldToIgnore() async throws {
        let server = try SinkServer()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("proxy-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: log) }
        let proxy = try SinkServer(script: "proxy_fixture.py", log: log)
        let url = URL(string: "http://sink.example.invalid:\(server.port)/ingest")!
        var options = fast()
        options.proxy = .url("http://127.0.0.1:\(proxy.port)")
        let storage = HTTPStorage(id: "out", url: url, options: options)
        try await storage.connect()
        _ = try await storage.store(records: records(values))
        await storage.disconnect()
        #expect(server.posts().first?.records.count == 2)
        let carried = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(carried.contains("\"target\": \"http://sink.example.invalid:\(server.port)/ingest\""))
        // proxy = false: no proxy, whatever the environment says.
        var direct = fast()
        direct.proxy = .direct
        let local = HTTPStorage(id: "direct", url: server.url("/ingest"), options: direct)
        try await local.connect()
        _ = try await local.store(records: records([values[0]]))
        await local.disconnect()
        #expect(server.posts().count == 2)
        #expect(((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").count == 1)
    }

    @Test func itCannotBeQueried() async throws {
        let storage = HTTPStorage(id: "out", url: URL(string: "http://127.0.0.1:9/ingest")!)
        try await storage.connect()
        let error = await #expect(throws: ErrorInfo.self) { _ = try await storage.query(QueryCriteria()) }
        #expect(error?.type == .configuration)
    }
}
