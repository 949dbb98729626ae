import CollectorNetwork
import CollectorSources
import CollectorValues
import Collectors
import Foundation

/// Server-Sent Events over this package's HTTP/1.1 client, parsed as the
/// body arrives (chunked or not), read only when the next event is asked for.
///
/// Each event is one item (payload: its `data`; metadata: `event`,
/// `event_id`, `url`, `http_status`, `content_type`). When the connection
/// ends or fails, the source reconnects with `Last-Event-ID` after the
/// server's `retry` delay (or `reconnectDelay`); consecutive failures back
/// off exponentially with jitter up to `maxReconnectDelay` (the shared
/// `ReconnectPolicy`), and after `maxReconnectAttempts` failures in a row
/// the last error is thrown, not retryable (the source gave up).
///
/// Errors: a non-2xx answer is typed like `HTTPSource`'s (401 is
/// `.authentication` and is not retried); a 2xx answer that is not
/// `text/event-stream` is `.validation`; an event over `maxEventSize` is a
/// `.validation` error after it was skipped (the connection stays open:
/// the next `collect()` or `stream()` goes on after it).
public actor SSESource: DataSource, ReconnectingSource {
    public struct Options: Sendable, Hashable {
        public var headers: [String: String]
        public var bearerToken: String?
        /// Sent as `Last-Event-ID` on the first connection (resuming an earlier run).
        public var lastEventID: String?
        /// Delay before reconnecting when the server gave no `retry`.
        public var reconnectDelay: Duration
        public var maxReconnectDelay: Duration
        /// Failed connections in a row before giving up (`nil`: never give up).
        public var maxReconnectAttempts: Int?
        /// Fails a connection that sends nothing (not even a comment) for this long.
        public var idleTimeout: Duration
        /// Fails a connection not set up in this long (DNS, TCP and TLS together).
        public var connectTimeout: Duration
        public var maxEventSize: Int
        public var format: DataFormat
        /// A CA certificate file (PEM) to trust for `https://` instead of the system's store.
        public var tlsCAFile: String?
        /// Which proxy the connection goes through.
        public var proxy: ProxyConfiguration

        public init(
            headers: [String: String] = [:], bearerToken: String? = nil, lastEventID: String? = nil,
            reconnectDelay: Duration = .seconds(3), maxReconnectDelay: Duration = .seconds(60),
            maxReconnectAttempts: Int? = 10, idleTimeout: Duration = .seconds(300), connectTimeout: Duration = .seconds(10),
            maxEventSize: Int = 1 << 20, format: DataFormat = .json, tlsCAFile: String? = nil,
            proxy: ProxyConfiguration = .environment
        ) {
            self.proxy = proxy
            self.headers = headers
            self.bearerToken = bearerToken
            self.lastEventID = lastEventID
            self.reconnectDelay = reconnectDelay
            self.maxReconnectDelay = maxReconnectDelay
            self.maxReconnectAttempts = maxReconnectAttempts
            self.idleTimeout = idleTimeout
            self.connectTimeout = connectTimeout
            self.maxEventSize = maxEventSize
            self.format = format
            self.tlsCAFile = tlsCAFile
        }
    }

    /// The response being read: its body is the event stream.
    private struct Connection {
        var response: HTTPResponseStream
        var contentType: String
        var receivedEvent = false
    }

    public nonisolated let id: String
    public nonisolated let url: URL
    /// `url` as records and messages show it (no credentials, no query):
    /// made once, not for every record (it parses the URL).
    private let displayURL: String
    public nonisolated let options: Options
    private var client: HTTPClient?
    private var connection: Connection?
    private var parser: SSEParser
    private var pending: [CollectedData] = []
    private var pendingError: ErrorInfo?
    private var serverRetry: Duration?
    private var failures = 0
    private var reconnectDue: ContinuousClock.Instant?
    private let clock = ContinuousClock()
    /// Connections opened so far (1 after the first connect).
    public private(set) var connections = 0

    public init(id: String, url: URL, options: Options = Options()) {
        self.id = id
        self.url = url
        displayURL = url.redactedForDisplay
        self.options = options
        // Its token and secret headers never leave the engine.
        if let token = options.bearerToken { SecretRedactor.shared.register(bearerToken: token) }
        SecretRedactor.shared.register(headers: options.headers)
        SecretRedactor.shared.register(url: url)
        parser = SSEParser(maxEventSize: options.maxEventSize, lastEventID: options.lastEventID ?? "")
        deliveredEventID = options.lastEventID ?? ""
    }

    /// The id of the last event handed out (the parser may have read further
    /// into the stream), to resume from after a restart. On reconnection the
    /// source sends the parser's, which is the same then: it reconnects only
    /// when every event it read has been handed out.
    public var lastEventID: String { deliveredEventID }
    private var deliveredEventID: String

    public func connect() async throws {
        if client == nil {
            client = HTTPClient(
                options: .init(
                    connectTimeout: options.connectTimeout, timeout: options.idleTimeout, totalTimeout: nil,
                    tls: TLSOptions(caFile: options.tlsCAFile), proxy: ProxySettings(options.proxy)))
        }
    }

    public func disconnect() async {
        connection?.response.close()
        connection = nil
        client?.close()
        client = nil
    }

    /// The next event, connecting or reconnecting as needed (quietly: only
    /// the error that ends the source is thrown).
    public func collect() async throws -> CollectedData {
        try await nextEvent(reporting: false)
    }

    /// The events. A failed connection ends the stream with a retryable
    /// report (`reconnect_attempt`, `delay_seconds`), as a
    /// `ReconnectingSource`'s does, so that a pipeline logs and counts each
    /// reconnection; the next `stream()` waits out the delay and reconnects.
    public nonisolated func stream() -> AsyncThrowingStream<CollectedData, any Error> {
        pullStream { try await self.nextEvent(reporting: true) }
    }

    /// - Parameter reporting: throw a retryable report for each failed
    ///   connection (`stream()`), rather than reconnecting quietly (`collect()`).
    private func nextEvent(reporting: Bool) async throws -> CollectedData {
        while true {
            try Task.checkCancellation()
            if let error = pendingError {
                pendingError = nil
                throw error
            }
            if !pending.isEmpty {
                let item = pending.removeFirst()
                if let id = item.metadata["event_id"]?.stringValue { deliveredEventID = id }
                return item
            }
            guard let response = connection?.response else {
                try await open(reporting: reporting)
                continue
            }
            let bytes: [UInt8]?
            do {
                bytes = try await response.next()
            } catch where error.kind == .cancelled {
                drop()
                throw CancellationError()
            } catch {
                try ended(error, reporting: reporting)
                continue
            }
            guard let bytes else {
                try ended(nil, reporting: reporting)
                continue
            }
            receive(bytes)
        }
    }

    private func receive(_ bytes: [UInt8]) {
        for output in parser.feed(bytes) {
            switch output {
            case .event(let event):
                connection?.receivedEvent = true
                failures = 0
                pending.append(
                    CollectedData(
                        sourceID: id, format: options.format, method: .sse, payload: event.data,
                        metadata: [
                            "event": .string(event.type), "event_id": .string(event.lastEventID),
                            "url": .string(displayURL),
                            "http_status": .integer(Int64(connection?.response.head.status ?? 0)),
                            "content_type": .string(connection?.contentType ?? ""),
                            "connection": .integer(Int64(connections)),
                        ]))
            case .retry(let ms):
                serverRetry = .milliseconds(ms)
            case .oversize(let size):
                if pendingError == nil, pending.isEmpty {
                    pendingError = SourceErrors.invalidInput(
                        id, message: "an event of \(size) bytes or more exceeds the limit of \(options.maxEventSize); skipped",
                        details: [
                            "url": .string(displayURL), "size": .integer(Int64(size)),
                            "max_event_size": .integer(Int64(options.maxEventSize)),
                        ])
                }
            }
        }
    }

    /// The stream ended: cleanly (`failure` nil) or not. Either way the
    /// source will reconnect; a failure before any event counts towards
    /// `maxReconnectAttempts`.
    private func ended(_ failure: NetworkError?, reporting: Bool) throws {
        let receivedEvent = connection?.receivedEvent == true
        drop()
        guard let failure else { return scheduleReconnect() }
        let error = HTTPErrors.transport(failure, sourceID: id, url: url)
        guard receivedEvent else { return try failed(error, reporting: reporting) }
        // A drop after events: reported, not counted towards giving up.
        scheduleReconnect()
        if reporting { throw reconnecting(after: error) }
    }

    /// A connection failed: counted, thrown if it is final, else the
    /// reconnection is scheduled (and reported when `reporting`).
    private func failed(_ failure: ErrorInfo, reporting: Bool) throws {
        failures += 1
        if !failure.isRetryable { throw failure }
        if policy.isExhausted(after: failures) {
            var final = failure
            final.isRetryable = false
            final.message = "gave up reconnecting after \(failures) failed attempts in a row: \(failure.message)"
            final.details["reconnect_attempts"] = .integer(Int64(failures))
            throw final
        }
        scheduleReconnect()
        if reporting { throw reconnecting(after: failure) }
    }

    /// The retryable report of a failed connection: which attempt comes next and when.
    private func reconnecting(after failure: ErrorInfo) -> ErrorInfo {
        var report = failure
        report.isRetryable = true
        let attempt = max(1, failures)
        let delay = reconnectDue.map { clock.now.duration(to: $0) } ?? .zero
        report.details["reconnect_attempt"] = .integer(Int64(attempt))
        report.details["delay_seconds"] =
            .double(max(0, Double(delay.components.seconds) + Double(delay.components.attoseconds) * 1e-18))
        return report
    }

    /// The reconnect policy: from the server's retry (or the default), doubled per failure in a row.
    private var policy: ReconnectPolicy {
        ReconnectPolicy(
            initialDelay: serverRetry ?? options.reconnectDelay, maxDelay: options.maxReconnectDelay,
            maxAttempts: options.maxReconnectAttempts)
    }

    private func scheduleReconnect() {
        reconnectDue = clock.now.advanced(by: policy.delay(forAttempt: max(1, failures)))
    }

    private func open(reporting: Bool) async throws {
        if let due = reconnectDue, due > clock.now { try await clock.sleep(until: due, tolerance: nil) }
        reconnectDue = nil
        if client == nil { try await connect() }
        guard let client else { throw CancellationError() }
        var headers = HTTPHeaders([("Accept", "text/event-stream"), ("Cache-Control", "no-cache")])
        for (name, value) in options.headers.sorted(by: { $0.key < $1.key }) { headers.set(name, value) }
        if let token = options.bearerToken { headers.set("Authorization", "Bearer \(token)") }
        if !parser.lastEventID.isEmpty { headers.set("Last-Event-ID", parser.lastEventID) }
        // A new connection starts a new stream: what the parser buffered of the old one is gone.
        parser = SSEParser(maxEventSize: options.maxEventSize, lastEventID: parser.lastEventID)
        connections += 1
        let response: HTTPResponseStream
        do {
            response = try await client.open(HTTPRequest(url: url, headers: headers))
        } catch where error.kind == .cancelled {
            throw CancellationError()
        } catch {
            return try failed(HTTPErrors.transport(error, sourceID: id, url: url), reporting: reporting)
        }
        let status = response.head.status
        guard (200...299).contains(status) else {
            // The start of the body, for the error's excerpt.
            var body: [UInt8] = []
            while body.count < HTTPErrors.excerptLimit, let piece = try? await response.next() { body += piece }
            response.close()
            return try failed(
                HTTPErrors.status(status, body: body, sourceID: id, url: url, retryAfter: nil), reporting: reporting)
        }
        let contentType = response.head.headers["Content-Type"] ?? ""
        guard contentType.lowercased().hasPrefix("text/event-stream") else {
            response.close()
            throw ErrorInfo(
                .validation, layer: .collection, operation: "collect",
                message: "\(url.redactedForDisplay) answered with '\(contentType)', not text/event-stream",
                details: ["source_id": .string(id), "url": .string(displayURL), "content_type": .string(contentType)])
        }
        connection = Connection(response: response, contentType: contentType)
    }

    private func drop() {
        connection?.response.close()
        connection = nil
    }
}
