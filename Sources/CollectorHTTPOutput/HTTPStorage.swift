import CollectorNetwork
import CollectorValues
import Collectors
import Foundation

/// Records to an HTTP endpoint (a webhook, a bulk API): each batch is one
/// POST, as NDJSON or a JSON array, optionally gzipped, over this package's
/// HTTP/1.1 client (a kept-alive connection, TLS through OpenSSL).
///
/// - Answers: 2xx stores the batch. 429 and 503 are waited out as
///   `Retry-After` says (seconds or an HTTP date, capped by
///   `maxRetryAfter`; without one, by the backoff), then sent again; other
///   5xx, 408, timeouts and connection failures are sent again after an
///   exponential backoff with jitter. After `retries` more attempts the
///   error is thrown retryable: the storage manager's retry policy, then
///   its spool, take over. Other 4xx are thrown as `.validation`, not
///   retryable: the records are refused (the manager stores them one by
///   one, and dead-letters those refused alone).
/// - Idempotency: the header `idempotencyHeader` carries a key derived from
///   the batch's record ids, the same for every attempt and every replay of
///   the same records, so a server that honours it stores a batch once even
///   when an answer was lost.
/// - Secrets: the token, the Basic password and secret headers are
///   registered with `SecretRedactor` and never leave the engine.
///
/// `query` and `delete` are not supported (an HTTP endpoint is write-only).
public actor HTTPStorage: StorageBackend {
    public enum Format: String, Sendable, Hashable {
        /// One JSON object a line, `application/x-ndjson`.
        case ndjson
        /// A JSON array of the batch's records, `application/json`.
        case json
    }

    public struct Options: Sendable, Hashable {
        public var format: Format
        /// Compress bodies (`Content-Encoding: gzip`).
        public var gzip: Bool
        /// Sent as `Authorization: Bearer …`.
        public var bearerToken: String?
        /// Sent as `Authorization: Basic …` (not with `bearerToken`).
        public var basicUser: String?
        public var basicPassword: String?
        public var headers: [String: String]
        /// A CA certificate file (PEM) to trust for `https://` instead of the system's store.
        public var tlsCAFile: String?
        /// Verify the server's certificate and host name (leave on outside tests).
        public var tlsVerify: Bool
        /// The longest one POST may take, answer included.
        public var timeout: Duration
        /// Connecting (DNS, TCP, TLS) at most this long (and at most `timeout`).
        public var connectTimeout: Duration
        /// Attempts after the first for one batch, before the error goes to the storage manager.
        public var retries: Int
        /// The first backoff; it doubles per attempt, with jitter, up to `maxRetryDelay`.
        public var retryDelay: Duration
        public var maxRetryDelay: Duration
        /// The longest `Retry-After` obeyed.
        public var maxRetryAfter: Duration
        /// The header that carries the batch's idempotency key (`nil`: none is sent).
        public var idempotencyHeader: String?
        /// Largest answer body read (the rest of a larger one is not).
        public var maxResponseSize: Int
        /// Which proxy requests go through.
        public var proxy: ProxyConfiguration

        public init(
            format: Format = .ndjson, gzip: Bool = false, bearerToken: String? = nil, basicUser: String? = nil,
            basicPassword: String? = nil, headers: [String: String] = [:], tlsCAFile: String? = nil, tlsVerify: Bool = true,
            timeout: Duration = .seconds(30), connectTimeout: Duration = .seconds(10), retries: Int = 3,
            retryDelay: Duration = .milliseconds(500), maxRetryDelay: Duration = .seconds(30),
            maxRetryAfter: Duration = .seconds(300), idempotencyHeader: String? = "Idempotency-Key",
            maxResponseSize: Int = 1 << 20, proxy: ProxyConfiguration = .environment
        ) {
            self.proxy = proxy
            self.format = format
            self.gzip = gzip
            self.bearerToken = bearerToken
            self.basicUser = basicUser
            self.basicPassword = basicPassword
            self.headers = headers
            self.tlsCAFile = tlsCAFile
            self.tlsVerify = tlsVerify
            self.timeout = timeout
            self.connectTimeout = connectTimeout
            self.retries = max(0, retries)
            self.retryDelay = retryDelay
            self.maxRetryDelay = maxRetryDelay
            self.maxRetryAfter = maxRetryAfter
            self.idempotencyHeader = idempotencyHeader
            self.maxResponseSize = maxResponseSize
        }
    }

    public nonisolated let id: String
    public nonisolated let url: URL
    public nonisolated let options: Options
    private var client: HTTPClient?
    /// The request every POST is made from (parsing the URL once).
    private let template: HTTPRequest?
    private let clock = ContinuousClock()
    /// POSTs sent, retries included.
    public private(set) var requestsSent = 0

    public init(id: String, url: URL, options: Options = Options()) {
        self.id = id
        self.url = url
        self.options = options
        let redactor = SecretRedactor.shared
        if let token = options.bearerToken { redactor.register(bearerToken: token) }
        if let password = options.basicPassword {
            redactor.register(password)
            redactor.register(headers: ["Authorization": Self.basic(options.basicUser ?? "", password)])
        }
        redactor.register(headers: options.headers)
        redactor.register(url: url)
        var headers = HTTPHeaders(options.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        if !headers.contains("Content-Type") {
            headers.set("Content-Type", options.format == .ndjson ? "application/x-ndjson" : "application/json")
        }
        if options.gzip { headers.set("Content-Encoding", "gzip") }
        if let token = options.bearerToken {
            headers.set("Authorization", "Bearer \(token)")
        } else if let password = options.basicPassword {
            headers.set("Authorization", Self.basic(options.basicUser ?? "", password))
        }
        template = try? HTTPRequest(method: "POST", url: url, headers: headers)
    }

    private static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    public func connect() async throws {
        guard template != nil else {
            throw ErrorInfo(
                .configuration, layer: .storage, operation: "connect",
                message: "'\(url.redactedForDisplay)' is not an http:// or https:// URL with a host", details: details())
        }
        if client == nil { client = makeClient() }
    }

    public func disconnect() async {
        client?.close()
        client = nil
    }

    private func makeClient() -> HTTPClient {
        HTTPClient(
            options: .init(
                connectTimeout: min(options.connectTimeout, options.timeout), timeout: options.timeout,
                totalTimeout: options.timeout, tls: TLSOptions(caFile: options.tlsCAFile, verify: options.tlsVerify),
                proxy: ProxySettings(options.proxy)))
    }

    public func store(_ record: DataValue) async throws -> StorageLocation {
        let record = Record(record, sourceID: id, sequence: 0)
        _ = try await store(records: [record])
        return StorageLocation(backendID: id, locationID: record.id.uuidString, path: url.redactedForDisplay)
    }

    public func store(batch records: [DataValue]) async throws -> StoredBatch {
        try await store(records: records.enumerated().map { Record($1, sourceID: id, sequence: UInt64($0 + 1)) })
    }

    public func store(records: [Record]) async throws -> StoredBatch {
        guard !records.isEmpty else { return StoredBatch(backendID: id, count: 0) }
        guard let template else {
            throw ErrorInfo(
                .configuration, layer: .storage, operation: "store",
                message: "'\(url.redactedForDisplay)' is not an http:// or https:// URL with a host", details: details())
        }
        var request = template
        request.body = try body(of: records)
        if let header = options.idempotencyHeader { request.headers.set(header, Self.idempotencyKey(records, backendID: id)) }
        var attempt = 0
        while true {
            attempt += 1
            let failure: ErrorInfo
            let wait: Duration?
            // Not before connect() nor after disconnect(), also while a retry waited:
            // a closed backend must not count records as stored.
            guard let client else {
                throw ErrorInfo(
                    .connection, layer: .storage, operation: "store",
                    message: "HTTP storage \(id): not connected (call connect() first)", details: details())
            }
            do {
                requestsSent += 1
                let response = try await client.send(request, maxBodySize: options.maxResponseSize)
                if (200...299).contains(response.status) { return StoredBatch(backendID: id, count: records.count) }
                (failure, wait) = refusal(response, count: records.count)
            } catch {
                failure = transportFailure(error, count: records.count)
                wait = nil
            }
            guard failure.isRetryable, attempt <= options.retries else { throw failure }
            try await clock.sleep(for: wait ?? backoff(attempt))
        }
    }

    /// The body of a POST: the records in the format, gzipped if asked.
    private func body(of records: [Record]) throws -> [UInt8] {
        let text: [UInt8]
        do {
            text = try BatchBody.make(records, format: options.format)
        } catch {
            throw ErrorInfo(
                .validation, layer: .storage, operation: "store",
                message: "record \(error.index + 1) of the batch cannot be written as JSON: \(error.error)",
                details: details(["count": .integer(Int64(records.count))]))
        }
        guard options.gzip else { return text }
        do {
            return try Gzip.compress(text, level: 1)
        } catch {
            throw ErrorInfo(.storage, layer: .storage, operation: "store", message: error.description, details: details())
        }
    }

    /// The key a batch is sent with: a hash of its record ids in order
    /// (the same for the same records, whatever attempt or replay).
    static func idempotencyKey(_ records: [Record], backendID: String) -> String {
        if records.count == 1 { return records[0].id.uuidString }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(records.count * 16)
        for record in records { bytes.append(contentsOf: record.id.bytes) }
        return bytes.withUnsafeBytes {
            RecordID(sourceID: backendID, key: "batch", index: records.count, bytes: $0).uuidString
        }
    }

    /// What a non-2xx answer means, and how long it asks to wait.
    private func refusal(_ response: HTTPResponse, count: Int) -> (ErrorInfo, Duration?) {
        let status = response.status
        var extra: DataObject = [
            "http_status": .integer(Int64(status)), "count": .integer(Int64(count)),
            "body_excerpt": .string(String(decoding: response.body.prefix(512), as: UTF8.self)),
        ]
        var wait: Duration?
        if status == 429 || status == 503, let seconds = RetryAfter.seconds(response.header("Retry-After")) {
            extra["retry_after_seconds"] = .double(seconds)
            wait = min(.milliseconds(Int64(seconds * 1000)), options.maxRetryAfter)
        }
        let type: ErrorType
        let retryable: Bool
        switch status {
        case 408: (type, retryable) = (.timeout, true)
        case 429: (type, retryable) = (.rateLimit, true)
        case 503: (type, retryable) = (.rateLimit, true)
        case 500...599: (type, retryable) = (.connection, true)
        // The records are refused: no later attempt would change that.
        default: (type, retryable) = (.validation, false)
        }
        let info = ErrorInfo(
            type, layer: .storage, operation: "store", message: "HTTP \(status) from \(url.redactedForDisplay)",
            details: details(extra), isRetryable: retryable)
        return (info, wait)
    }

    private func transportFailure(_ error: any Error, count: Int) -> ErrorInfo {
        guard let failure = error as? NetworkError else {
            return ErrorInfo(from: error, layer: .storage, operation: "store", details: details())
        }
        let (type, retryable): (ErrorType, Bool) =
            switch failure.kind {
            case .timedOut: (.timeout, true)
            case .connectionRefused, .unreachable, .connectionLost, .bodyCutOff, .badResponse: (.connection, true)
            case .proxyRefused(let status): (.connection, status >= 500)
            case .cancelled: (.cancelled, false)
            case .invalidRequest: (.configuration, false)
            case .hostNotFound, .tlsFailed, .tooManyRedirects, .responseTooLarge: (.connection, false)
            }
        return ErrorInfo(
            type, layer: .storage, operation: "store",
            message: "POST to \(url.redactedForDisplay) failed: \(failure.message)",
            details: details(["count": .integer(Int64(count))]), isRetryable: retryable)
    }

    /// The wait before attempt `attempt + 1`: doubling from `retryDelay`, with jitter
    /// in the upper half, capped at `maxRetryDelay` (the backoff the streaming sources use).
    private func backoff(_ attempt: Int) -> Duration {
        ReconnectPolicy(initialDelay: options.retryDelay, maxDelay: options.maxRetryDelay, maxAttempts: nil).delay(forAttempt: attempt)
    }

    public func query(_ criteria: QueryCriteria) async throws -> [DataValue] {
        throw unsupported("query")
    }

    public func delete(locationID: String) async throws {
        throw unsupported("delete")
    }

    private func unsupported(_ operation: String) -> ErrorInfo {
        ErrorInfo(
            .configuration, layer: .storage, operation: operation,
            message: "an HTTP endpoint cannot be read back: storage.http supports no \(operation)", details: details())
    }

    private func details(_ extra: DataObject = [:]) -> DataObject {
        var details: DataObject = ["backend_id": .string(id), "url": .string(url.redactedForDisplay)]
        for (key, value) in extra { details[key] = value }
        return details
    }
}
