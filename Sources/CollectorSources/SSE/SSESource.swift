import CollectorValues
import Collectors
import Foundation

/// Server-Sent Events over URLSession, streamed as they arrive (a data
/// delegate feeds the parser: on Linux `URLSession.bytes(for:)` does not exist).
///
/// Each event is one item (payload: its `data`; metadata: `event`,
/// `event_id`, `url`, `http_status`, `content_type`). When the connection
/// ends or fails, the source reconnects with `Last-Event-ID` after the
/// server's `retry` delay (or `reconnectDelay`); consecutive failures back
/// off exponentially up to `maxReconnectDelay`, and after
/// `maxReconnectAttempts` failures in a row the last error is thrown.
///
/// Errors: a non-2xx answer is typed like `HTTPSource`'s (401 is
/// `.authentication` and is not retried); a 2xx answer that is not
/// `text/event-stream` is `.validation`; an event over `maxEventSize` is a
/// `.validation` error after it was skipped (the connection stays open:
/// the next `collect()` or `stream()` goes on after it).
public actor SSESource: DataSource {
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
        public var maxEventSize: Int
        public var format: DataFormat

        public init(
            headers: [String: String] = [:], bearerToken: String? = nil, lastEventID: String? = nil,
            reconnectDelay: Duration = .seconds(3), maxReconnectDelay: Duration = .seconds(60),
            maxReconnectAttempts: Int? = 10, idleTimeout: Duration = .seconds(300), maxEventSize: Int = 1 << 20,
            format: DataFormat = .json
        ) {
            self.headers = headers
            self.bearerToken = bearerToken
            self.lastEventID = lastEventID
            self.reconnectDelay = reconnectDelay
            self.maxReconnectDelay = maxReconnectDelay
            self.maxReconnectAttempts = maxReconnectAttempts
            self.idleTimeout = idleTimeout
            self.maxEventSize = maxEventSize
            self.format = format
        }
    }

    private struct Connection {
        var task: URLSessionDataTask
        var events: Mailbox<HTTPTransport.Event>
        var status = 0
        var contentType = ""
        var receivedEvent = false
    }

    public nonisolated let id: String
    public nonisolated let url: URL
    public nonisolated let options: Options
    private let transport = HTTPTransport()
    private var session: URLSession?
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
        self.options = options
        parser = SSEParser(maxEventSize: options.maxEventSize, lastEventID: options.lastEventID ?? "")
    }

    /// The id of the last event received, sent as `Last-Event-ID` on reconnection.
    public var lastEventID: String { parser.lastEventID }

    public func connect() async throws {
        if session == nil {
            session = transport.makeSession(timeout: options.idleTimeout, totalTimeout: .seconds(365 * 24 * 3600))
        }
    }

    public func disconnect() async {
        connection?.task.cancel()
        connection = nil
        session?.invalidateAndCancel()
        session = nil
    }

    /// The next event, connecting or reconnecting as needed.
    public func collect() async throws -> CollectedData {
        try await nextEvent()
    }

    public nonisolated func stream() -> AsyncThrowingStream<CollectedData, any Error> {
        pullStream { try await self.nextEvent() }
    }

    private func nextEvent() async throws -> CollectedData {
        while true {
            try Task.checkCancellation()
            if let error = pendingError {
                pendingError = nil
                throw error
            }
            if !pending.isEmpty { return pending.removeFirst() }
            guard let connection else {
                try await open()
                continue
            }
            guard let event = await connection.events.next() else { throw CancellationError() }
            switch event {
            case .response(let status, let headers, _):
                let contentType = headers.first { $0.key.lowercased() == "content-type" }?.value ?? ""
                self.connection?.status = status
                self.connection?.contentType = contentType
                if !(200...299).contains(status) {
                    // The body is read for the excerpt; the error comes with the end of the response.
                    continue
                }
                if !contentType.lowercased().hasPrefix("text/event-stream") {
                    drop()
                    throw ErrorInfo(
                        .validation, layer: .collection, operation: "collect",
                        message: "\(url.absoluteString) answered with '\(contentType)', not text/event-stream",
                        details: ["source_id": .string(id), "url": .string(url.absoluteString), "content_type": .string(contentType)])
                }
            case .data(let bytes):
                if let status = self.connection?.status, !(200...299).contains(status) {
                    errorBody += bytes.prefix(HTTPErrors.excerptLimit)
                    continue
                }
                receive(bytes)
            case .finished(let error):
                try ended(error)
            }
        }
    }

    private var errorBody: [UInt8] = []

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
                            "url": .string(url.absoluteString),
                            "http_status": .integer(Int64(connection?.status ?? 0)),
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
                            "url": .string(url.absoluteString), "size": .integer(Int64(size)),
                            "max_event_size": .integer(Int64(options.maxEventSize)),
                        ])
                }
            }
        }
    }

    /// The response ended: a clean end or a failure. Either way the source
    /// will reconnect; a failure counts towards `maxReconnectAttempts`.
    private func ended(_ error: (any Error)?) throws {
        let status = connection?.status ?? 0
        let clean = connection?.receivedEvent == true || (error == nil && (200...299).contains(status))
        let body = errorBody
        errorBody = []
        drop()
        var failure: ErrorInfo?
        if !(200...299).contains(status), status != 0 {
            failure = HTTPErrors.status(
                HTTPResponse(status: status, headers: [:], body: body, url: url), sourceID: id, url: url, retryAfter: nil)
        } else if let error, !clean {
            let wrapped: any Error = (error as? URLError).map { HTTPTransportFailure.failed($0) } ?? error
            failure = HTTPErrors.transport(wrapped, sourceID: id, url: url)
        }
        if let failure {
            failures += 1
            if !failure.isRetryable { throw failure }
            if let limit = options.maxReconnectAttempts, failures >= limit {
                var final = failure
                final.details["reconnect_attempts"] = .integer(Int64(failures))
                throw final
            }
        }
        // Backoff: the server's retry (or the default), doubled per failure in a row.
        let base = serverRetry ?? options.reconnectDelay
        var delay = base
        if failures > 1 {
            for _ in 1..<failures { delay = min(delay * 2, options.maxReconnectDelay) }
        }
        reconnectDue = clock.now.advanced(by: delay)
    }

    private func open() async throws {
        if let due = reconnectDue, due > clock.now { try await clock.sleep(until: due, tolerance: nil) }
        reconnectDue = nil
        if session == nil { try await connect() }
        guard let session else { throw CancellationError() }
        var request = URLRequest(url: url)
        request.setValue("text/event-stream", forHTTPHeaderField: "Accept")
        request.setValue("no-cache", forHTTPHeaderField: "Cache-Control")
        for (name, value) in options.headers { request.setValue(value, forHTTPHeaderField: name) }
        if let token = options.bearerToken { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if !parser.lastEventID.isEmpty { request.setValue(parser.lastEventID, forHTTPHeaderField: "Last-Event-ID") }
        // A new connection starts a new stream: what the parser buffered of the old one is gone.
        parser = SSEParser(maxEventSize: options.maxEventSize, lastEventID: parser.lastEventID)
        let mailbox = Mailbox<HTTPTransport.Event>()
        let task = transport.start(request, in: session) { mailbox.push($0) }
        connection = Connection(task: task, events: mailbox)
        connections += 1
    }

    private func drop() {
        connection?.task.cancel()
        connection = nil
    }
}
