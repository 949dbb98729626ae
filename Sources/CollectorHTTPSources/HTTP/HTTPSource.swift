import CollectorNetwork
import CollectorSources
import CollectorValues
import Collectors
import Foundation

/// Polls an HTTP API: one request per `collect()`, or on an interval with
/// jitter through `stream()` (for ever, or `maxPolls` times), over this package's HTTP/1.1 client (one
/// kept-alive connection per source, reopened when the server closed it).
///
/// - Conditional requests: with `conditional`, the last `ETag` and
///   `Last-Modified` of each URL are sent back (`If-None-Match`,
///   `If-Modified-Since`); a `304` is not collected and is no failure:
///   `collect()` throws `SourceUnchanged` (the collection manager counts it
///   as `unchanged` and goes on), and `stream()` skips it.
/// - Pagination: after a page with a next link (or cursor), the next
///   `collect()` fetches the next page, up to `maxPages` per poll; `stream()`
///   fetches all pages of a poll, then waits for the next poll.
/// - Errors: a non-2xx response is an `ErrorInfo` with `http_status` and a
///   `body_excerpt`; 5xx, 408, 429, timeouts and refused or dropped
///   connections are retryable, other 4xx are not (401/403 are
///   `.authentication`). After 429 or 503 with `Retry-After`, the source
///   sends nothing before that time has passed (capped by `maxRetryAfter`).
/// - Polling (`stream()`) retries a failed poll by `reconnect`, the policy
///   the streaming sources share: a retryable failure is thrown once as a
///   report (`reconnect_attempt`, `delay_seconds`), and the next `stream()`
///   tries again after the backoff instead of waiting a whole `interval`; a
///   successful poll resets the count; after `reconnect.maxAttempts` failed
///   polls in a row the error is final (not retryable).
public actor HTTPSource: DataSource, ReconnectingSource, ResumableSource {
    public enum Method: String, Sendable, Hashable {
        case get = "GET"
        case post = "POST"
        case put = "PUT"
    }

    public struct Options: Sendable, Hashable {
        public var method: Method
        public var headers: [String: String]
        /// Sent as `Authorization: Bearer …` (the seed's `api_key`).
        public var bearerToken: String?
        /// Added to the URL's query (in key order).
        public var query: [String: String]
        /// The request body, for POST and PUT.
        public var body: [UInt8]?
        /// Fails a request that receives nothing for this long (while sending or reading).
        public var timeout: Duration
        /// Fails a connection not set up in this long (DNS, TCP and TLS together; at most `timeout`).
        public var connectTimeout: Duration
        /// Fails a request that has not completed in this long, however busy.
        public var totalTimeout: Duration
        /// Largest body kept; a longer one is cut off and fails with `.validation`.
        public var maxResponseSize: Int
        /// Send `If-None-Match` / `If-Modified-Since` and skip unchanged data.
        public var conditional: Bool
        public var pagination: Pagination
        public var format: DataFormat
        /// Check that the body is UTF-8 unless the format is `.binary`.
        public var validateUTF8: Bool
        /// Time between polls in `stream()`.
        public var interval: Duration
        /// Which proxy requests go through.
        public var proxy: ProxyConfiguration
        /// `stream()` ends after this many polls, each with all its pages (`nil`: it polls on);
        /// then a poll that fails is tried 3 times in a row at most (by `reconnect`'s delays).
        public var maxPolls: Int?
        /// Polls are spread by up to this fraction of `interval` either way (0.1: ±10 %).
        public var jitter: Double
        /// The longest `Retry-After` obeyed.
        public var maxRetryAfter: Duration
        /// A CA certificate file (PEM) to trust for `https://` instead of the system's store.
        public var tlsCAFile: String?
        /// Verify the server's certificate and host name (leave on outside tests).
        public var tlsVerify: Bool
        /// How `stream()` retries failed polls.
        public var reconnect: ReconnectPolicy

        public init(
            method: Method = .get, headers: [String: String] = [:], bearerToken: String? = nil,
            query: [String: String] = [:], body: [UInt8]? = nil, timeout: Duration = .seconds(30),
            connectTimeout: Duration = .seconds(10), totalTimeout: Duration = .seconds(120), maxResponseSize: Int = 10 << 20, conditional: Bool = true,
            pagination: Pagination = .none, format: DataFormat = .json, validateUTF8: Bool = true,
            interval: Duration = .seconds(60), jitter: Double = 0.1, maxRetryAfter: Duration = .seconds(300),
            tlsCAFile: String? = nil, tlsVerify: Bool = true, reconnect: ReconnectPolicy = ReconnectPolicy(),
            maxPolls: Int? = nil, proxy: ProxyConfiguration = .environment
        ) {
            self.proxy = proxy
            self.maxPolls = maxPolls
            self.tlsVerify = tlsVerify
            self.reconnect = reconnect
            self.method = method
            self.headers = headers
            self.bearerToken = bearerToken
            self.query = query
            self.body = body
            self.timeout = timeout
            self.connectTimeout = connectTimeout
            self.totalTimeout = totalTimeout
            self.maxResponseSize = maxResponseSize
            self.conditional = conditional
            self.pagination = pagination
            self.format = format
            self.validateUTF8 = validateUTF8
            self.interval = interval
            self.jitter = min(max(0, jitter), 1)
            self.maxRetryAfter = maxRetryAfter
            self.tlsCAFile = tlsCAFile
        }
    }

    private struct Validators {
        var etag: String?
        var lastModified: String?
    }

    public nonisolated let id: String
    /// The first page's URL, query options applied.
    public nonisolated let url: URL
    public nonisolated let options: Options
    private var client: HTTPClient?
    /// The last request built, conditional headers aside.
    private var lastRequest: HTTPRequest?
    private var validators: [URL: Validators] = [:]
    private var nextPage: (url: URL, number: Int)?
    private var notBefore: ContinuousClock.Instant?
    private var pollDue: ContinuousClock.Instant?
    /// Polls that failed in a row (`stream()`).
    private var failedPolls = 0
    /// Attempts at one poll when `maxPolls` bounds the run.
    static let boundedPollAttempts = 3
    /// Polls whose last page was read (`stream()`).
    private var completedPolls = 0
    private let clock = ContinuousClock()

    public init(id: String, url: URL, options: Options = Options()) {
        self.id = id
        self.options = options
        Self.registerSecrets(url: url, options: options)
        var url = url
        for (name, value) in options.query.sorted(by: { $0.key < $1.key }) {
            url = PageLinks.setting(name, to: value, in: url)
        }
        if case .pageNumber(let parameter, let start, _, _) = options.pagination {
            url = PageLinks.setting(parameter, to: String(start), in: url)
        }
        self.url = url
    }

    /// Connections opened since `connect()` (1 while the server keeps the first one open).
    package var connectionsOpened: Int { client?.connectionsOpened ?? 0 }

    public func connect() async throws {
        if client == nil { client = makeClient() }
    }

    /// Closes the connection; a request in flight fails.
    public func disconnect() async {
        client?.close()
        client = nil
    }

    private func makeClient() -> HTTPClient {
        HTTPClient(
            options: .init(
                connectTimeout: min(options.connectTimeout, options.timeout), timeout: options.timeout,
                totalTimeout: options.totalTimeout, tls: TLSOptions(caFile: options.tlsCAFile, verify: options.tlsVerify),
                proxy: ProxySettings(options.proxy)))
    }

    public func collect() async throws -> CollectedData {
        let (target, number) = nextPage ?? (url, 1)
        nextPage = nil
        try await waitForRetryAfter()
        let client = self.client ?? makeClient()
        self.client = client

        let start = clock.now
        let response: HTTPResponse
        do {
            response = try await client.send(request(for: target), maxBodySize: options.maxResponseSize)
        } catch {
            throw HTTPErrors.transport(error, sourceID: id, url: target)
        }
        let latency = start.duration(to: clock.now)

        if response.status == 304 {  // Not Modified
            throw SourceUnchanged(
                sourceID: id, reason: "\(target.redactedForDisplay) has not changed since it was last collected")
        }
        guard (200...299).contains(response.status) else {
            var retryAfter: Double?
            if response.status == 429 || response.status == 503 {
                retryAfter = HTTPErrors.retryAfter(response.header("Retry-After"))
                if let seconds = retryAfter {
                    let capped = min(Duration.milliseconds(Int64(seconds * 1000)), options.maxRetryAfter)
                    notBefore = clock.now.advanced(by: capped)
                }
            }
            throw HTTPErrors.status(response.status, body: response.body, sourceID: id, url: target, retryAfter: retryAfter)
        }
        // JSON bodies are checked by the JSON reader, which says where (a failed record).
        if options.validateUTF8, options.format != .binary, !options.format.isJSON,
            !response.body.withUnsafeBufferPointer({ UTF8Validation.isValid($0) })
        {
            throw ErrorInfo(
                .validation, layer: .collection, operation: "collect",
                message: "response from \(target.redactedForDisplay) is not valid UTF-8",
                details: [
                    "source_id": .string(id), "url": .string(target.redactedForDisplay),
                    "http_status": .integer(Int64(response.status)),
                    "content_type": .string(response.header("Content-Type") ?? ""),
                ])
        }
        if options.conditional {
            validators[target] = Validators(etag: response.header("ETag"), lastModified: response.header("Last-Modified"))
        }
        if number < options.pagination.maxPages, let next = nextURL(after: response, page: number) {
            nextPage = (next, number + 1)
        }
        return item(response, url: target, page: number, latency: latency)
    }

    /// Polls every `interval` (± jitter), yielding each changed page; ends with the first error.
    public nonisolated func stream() -> AsyncThrowingStream<CollectedData, any Error> {
        pullStream { try await self.nextPolled() }
    }

    private func nextPolled() async throws -> CollectedData? {
        while true {
            let startingPoll = nextPage == nil
            if startingPoll, let maxPolls = options.maxPolls, completedPolls >= maxPolls { return nil }
            if startingPoll, let due = pollDue, due > clock.now { try await clock.sleep(until: due, tolerance: nil) }
            try Task.checkCancellation()
            // Cluster mode: no poll under a lease that ran out while this process slept or was paused.
            try SourceLease.checkHeld()
            if startingPoll { pollDue = clock.now.advanced(by: jittered(options.interval)) }
            do {
                let item = try await collect()
                failedPolls = 0
                if nextPage == nil { completedPolls += 1 }
                return item
            } catch is SourceUnchanged {
                failedPolls = 0
                completedPolls += 1
                continue
            } catch let error as ErrorInfo where error.isRetryable {
                throw failedPoll(error)
            }
        }
    }

    /// A retryable poll failure: a report with the next attempt scheduled
    /// by the reconnect policy, or the final error once its attempts ran out.
    private func failedPoll(_ error: ErrorInfo) -> ErrorInfo {
        failedPolls += 1
        nextPage = nil
        var report = error
        // A bounded run (`maxPolls`) tries a failed poll a few times, not for the policy's whole patience.
        let bounded = options.maxPolls != nil && failedPolls >= Self.boundedPollAttempts
        if options.reconnect.isExhausted(after: failedPolls) || bounded {
            report.isRetryable = false
            report.message = "gave up after \(failedPolls) failed polls in a row: \(error.message)"
            report.details["reconnect_attempts"] = .integer(Int64(failedPolls))
            return report
        }
        let delay = options.reconnect.delay(forAttempt: failedPolls)
        pollDue = clock.now.advanced(by: delay)
        report.details["reconnect_attempt"] = .integer(Int64(failedPolls))
        report.details["delay_seconds"] = .double(Double(delay.components.seconds) + Double(delay.components.attoseconds) * 1e-18)
        return report
    }

    private func jittered(_ interval: Duration) -> Duration {
        guard options.jitter > 0 else { return interval }
        let factor = 1 + Double.random(in: -options.jitter...options.jitter)
        return .nanoseconds(Int64(Double(interval.components.seconds) * 1e9 * factor + Double(interval.components.attoseconds) / 1e9 * factor))
    }

    private func waitForRetryAfter() async throws {
        guard let notBefore else { return }
        if notBefore > clock.now { try await clock.sleep(until: notBefore, tolerance: nil) }
        self.notBefore = nil
    }

    private func request(for target: URL) throws(NetworkError) -> HTTPRequest {
        var request: HTTPRequest
        if let known = lastRequest, known.url == target {
            request = known
        } else {
            // Parsing the URL costs more than the rest of a request: once per URL, not per poll.
            var headers = HTTPHeaders(options.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
            if let token = options.bearerToken { headers.set("Authorization", "Bearer \(token)") }
            request = try HTTPRequest(method: options.method.rawValue, url: target, headers: headers, body: options.body)
            lastRequest = request
        }
        if options.conditional, let known = validators[target] {
            if let etag = known.etag { request.headers.set("If-None-Match", etag) }
            if let lastModified = known.lastModified { request.headers.set("If-Modified-Since", lastModified) }
        }
        return request
    }

    private func nextURL(after response: HTTPResponse, page number: Int) -> URL? {
        switch options.pagination {
        case .none: return nil
        case .linkHeader: return PageLinks.next(linkHeader: response.header("Link"), base: response.url)
        case .cursor(let field, let parameter, _):
            guard let cursor = PageLinks.cursor(in: response.body, field: field) else { return nil }
            return PageLinks.setting(parameter, to: cursor, in: url)
        case .pageNumber(let parameter, let start, let field, _):
            guard PageLinks.hasItems(response.body, field: field) else { return nil }
            // Page `number` of this poll was `start + number - 1`.
            return PageLinks.setting(parameter, to: String(start + number), in: url)
        }
    }

    private func item(_ response: HTTPResponse, url target: URL, page: Int, latency: Duration) -> CollectedData {
        let latencyMS = Double(latency.components.seconds) * 1000 + Double(latency.components.attoseconds) / 1e15
        var metadata: DataObject = [
            "url": .string(target.redactedForDisplay), "http_status": .integer(Int64(response.status)),
            "content_type": .string(response.header("Content-Type") ?? ""), "latency_ms": .double(latencyMS),
            "page": .integer(Int64(page)), "has_more": .bool(nextPage != nil),
        ]
        metadata["headers"] = .object(Self.metadataHeaders(response.headers))
        if let etag = response.header("ETag") { metadata["etag"] = .string(etag) }
        if let lastModified = response.header("Last-Modified") { metadata["last_modified"] = .string(lastModified) }
        let method: CollectionMethod =
            switch options.method {
            case .get: .httpGet
            case .post: .httpPost
            case .put: CollectionMethod(rawValue: "http_put")
            }
        // A page with a validator is the same representation wherever it is read again (a
        // restart resuming before it): its records get the same ids and are stored once.
        let validator = options.conditional ? (response.header("ETag") ?? response.header("Last-Modified")) : nil
        return CollectedData(
            sourceID: id, format: options.format, method: method, payload: response.body, metadata: metadata,
            key: validator.map { "\(target.absoluteString)\n\($0)" }, checkpoint: checkpoint)
    }

    // MARK: Resuming

    /// Where the source is after the item just made: the next page of the
    /// poll under way (if any) and the validators of the URLs it read.
    private var checkpoint: DataValue {
        var state = DataObject()
        if let nextPage {
            state["next"] = .string(nextPage.url.absoluteString)
            state["page"] = .integer(Int64(nextPage.number))
        }
        var known = DataObject()
        for (url, validator) in validators {
            var entry = DataObject()
            if let etag = validator.etag { entry["etag"] = .string(etag) }
            if let lastModified = validator.lastModified { entry["last_modified"] = .string(lastModified) }
            if !entry.isEmpty { known[url.absoluteString] = .object(entry) }
        }
        if !known.isEmpty { state["validators"] = .object(known) }
        return .object(state)
    }

    /// Starts from a checkpoint of an earlier run: the rest of the poll it
    /// was in (from the next page), and conditional requests with the
    /// validators it had, so nothing unchanged is collected again.
    public func resume(from checkpoint: DataValue) {
        guard case .object(let state) = checkpoint else { return }
        if let next = state["next"]?.stringValue, let url = URL(string: next), let page = state["page"]?.intValue {
            nextPage = (url, Int(page))
        }
        if options.conditional, case .object(let known)? = state["validators"] {
            for (text, entry) in known {
                guard let url = URL(string: text), case .object(let fields) = entry else { continue }
                validators[url] = Validators(etag: fields["etag"]?.stringValue, lastModified: fields["last_modified"]?.stringValue)
            }
        }
    }

    /// Nothing of its own to switch: the source keeps no position file.
    public func useCommittedCheckpoints() {}

    /// Nothing of its own to save: a pipeline's resume store keeps the checkpoints.
    public func commit(_ checkpoint: DataValue, force: Bool) {}
}

extension HTTPSource {
    /// The response's headers by lower-case name (a repeated one joined with
    /// ", "), for processors (`meta.headers`); cookies stay out, they are secrets.
    static func metadataHeaders(_ headers: HTTPHeaders) -> DataObject {
        var object = DataObject()
        for (name, value) in headers {
            let key = name.lowercased()
            if key == "set-cookie" || key == "set-cookie2" { continue }
            if case .string(let earlier)? = object[key] {
                object[key] = .string(earlier + ", " + value)
            } else {
                object[key] = .string(value)
            }
        }
        return object
    }

    /// Its token, secret headers and query parameters never leave the engine
    /// (an error body that echoes the request included).
    fileprivate static func registerSecrets(url: URL, options: Options) {
        let redactor = SecretRedactor.shared
        if let token = options.bearerToken { redactor.register(bearerToken: token) }
        redactor.register(headers: options.headers)
        redactor.register(query: options.query)
        redactor.register(url: url)
    }
}
