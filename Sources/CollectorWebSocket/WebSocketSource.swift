import CollectorValues
import Collectors
import Foundation

/// Messages from a WebSocket server (`ws://` or `wss://`), one item per
/// message, over this package's RFC 6455 client (Foundation on Linux has
/// no WebSocket: Debian's libcurl is built without it).
///
/// `connect()` opens the connection (TCP, TLS through the system OpenSSL
/// for `wss://`, the opening handshake with `Sec-WebSocket-Accept`
/// checked) and sends `subscribeMessage` if set. Text and binary messages,
/// fragmented or not, become items; pings are answered; a close from the
/// server is answered and recorded (`lastClose`).
///
/// The first connection is `connect()`'s: its failure is thrown as it is
/// (a pipeline retries it per its connect retry policy, then fails the
/// source). Once connected, the source reconnects (and subscribes again)
/// whenever the connection ends, by its `reconnectPolicy`: after a normal
/// close (1000/1001) quietly, otherwise after throwing one retryable error
/// that says why, with `reconnect_attempt` and `delay_seconds` in its
/// details (a `ReconnectingSource`: the next `stream()` or `collect()` waits
/// out the backoff and reconnects). Failed attempts in a row back off
/// exponentially with jitter up to `maxReconnectDelay`; a message received
/// resets the count; after `maxReconnectAttempts` the source gives up with
/// a non-retryable error that has `reconnect_attempts` in its details.
public actor WebSocketSource: DataSource, ReconnectingSource {
    public struct Options: Sendable, Hashable {
        public var headers: [String: String]
        /// Sent as `Authorization: Bearer …` with the opening handshake.
        public var bearerToken: String?
        /// Sent as a text message after every (re)connection.
        public var subscribeMessage: String?
        /// Largest message accepted; a larger one closes the connection with 1009.
        public var maxMessageSize: Int
        /// For connecting, TLS and the handshake together.
        public var connectTimeout: Duration
        public var reconnectDelay: Duration
        public var maxReconnectDelay: Duration
        /// Failures in a row before giving up (`nil`: never).
        public var maxReconnectAttempts: Int?
        /// A CA certificate file to trust for `wss://` instead of the system's.
        public var tlsCAFile: String?
        /// Verify the server's certificate and host name (leave on outside tests).
        public var tlsVerify: Bool
        public var textFormat: DataFormat
        /// Which proxy the connection goes through (a `CONNECT` tunnel, for `ws://` too).
        public var proxy: ProxyConfiguration
        public var binaryFormat: DataFormat

        /// The reconnect policy these options make (jitter on).
        public var reconnectPolicy: ReconnectPolicy {
            ReconnectPolicy(initialDelay: reconnectDelay, maxDelay: maxReconnectDelay, maxAttempts: maxReconnectAttempts)
        }

        public init(
            headers: [String: String] = [:], subscribeMessage: String? = nil, maxMessageSize: Int = 16 << 20,
            connectTimeout: Duration = .seconds(10), reconnectDelay: Duration = .seconds(1),
            maxReconnectDelay: Duration = .seconds(60), maxReconnectAttempts: Int? = 10, tlsCAFile: String? = nil,
            tlsVerify: Bool = true, textFormat: DataFormat = .json, binaryFormat: DataFormat = .binary,
            bearerToken: String? = nil, proxy: ProxyConfiguration = .environment
        ) {
            self.proxy = proxy
            self.headers = headers
            self.bearerToken = bearerToken
            self.subscribeMessage = subscribeMessage
            self.maxMessageSize = maxMessageSize
            self.connectTimeout = connectTimeout
            self.reconnectDelay = reconnectDelay
            self.maxReconnectDelay = maxReconnectDelay
            self.maxReconnectAttempts = maxReconnectAttempts
            self.tlsCAFile = tlsCAFile
            self.tlsVerify = tlsVerify
            self.textFormat = textFormat
            self.binaryFormat = binaryFormat
        }
    }

    /// How the server last closed a connection.
    public struct Close: Sendable, Hashable {
        /// `nil` when its close frame had no code.
        public var code: Int?
        public var reason: String

        public init(code: Int?, reason: String) {
            self.code = code
            self.reason = reason
        }
    }

    public nonisolated let id: String
    public nonisolated let url: URL
    /// `url` as records and messages show it (no credentials, no query):
    /// made once, not for every record (it parses the URL).
    private let displayURL: String
    public nonisolated let options: Options
    private var connection: WebSocketConnection?
    private var reconnection: ReconnectCount
    private let clock = ContinuousClock()
    /// Connections opened so far.
    public private(set) var connections = 0
    public private(set) var lastClose: Close?

    public init(id: String, url: URL, options: Options = Options()) {
        self.id = id
        self.url = url
        displayURL = url.redactedForDisplay
        self.options = options
        reconnection = ReconnectCount(options.reconnectPolicy)
        // Its token, secret headers and URL credentials never leave the engine.
        if let token = options.bearerToken { SecretRedactor.shared.register(bearerToken: token) }
        SecretRedactor.shared.register(headers: options.headers)
        SecretRedactor.shared.register(url: url)
    }

    public func connect() async throws {
        guard connection == nil else { return }
        guard let target = WebSocketConnection.Target(url) else {
            throw ErrorInfo(
                .configuration, layer: .collection, operation: "connect",
                message: "'\(url.redactedForDisplay)' is not a ws:// or wss:// URL", details: details())
        }
        if connections > 0 {
            // Reconnecting: the policy's wait (a quiet reconnect after a normal close waits the first delay).
            try await clock.sleep(for: reconnection.takeDelay())
        }
        let opened: WebSocketConnection
        do {
            opened = try await WebSocketConnection.open(
                target, headers: handshakeHeaders, timeout: options.connectTimeout, caFile: options.tlsCAFile,
                verify: options.tlsVerify, proxy: options.proxy, maxMessageSize: options.maxMessageSize)
        } catch WebSocketConnection.OpenError.connect(let reason) {
            throw failed(
                ErrorInfo(
                    .connection, layer: .collection, operation: "connect", message: reason, details: details(),
                    isRetryable: true))
        } catch WebSocketConnection.OpenError.handshake(let reason) {
            throw failed(
                ErrorInfo(
                    .connection, layer: .collection, operation: "connect",
                    message: "WebSocket handshake with \(url.redactedForDisplay) failed: \(reason)",
                    details: details(["handshake": .string(reason)])))
        }
        connections += 1
        connection = opened
        if let subscribe = options.subscribeMessage {
            do {
                try opened.send(text: subscribe)
            } catch {
                await drop()
                throw ErrorInfo(
                    .connection, layer: .collection, operation: "connect",
                    message: "could not send the subscribe message: \(error)", details: details(), isRetryable: true)
            }
        }
    }

    /// Runs the close handshake (code 1000) and closes the socket.
    public func disconnect() async {
        await drop()
    }

    public func collect() async throws -> CollectedData {
        try await nextMessage()
    }

    public nonisolated func stream() -> AsyncThrowingStream<CollectedData, any Error> {
        AsyncThrowingStream(unfolding: { try await self.nextMessage() })
    }

    /// Sends a text message on the open connection.
    public func send(_ text: String) throws {
        guard let connection else {
            throw ErrorInfo(.connection, layer: .collection, operation: "send", message: "not connected", details: details())
        }
        do {
            try connection.send(text: text)
        } catch {
            throw ErrorInfo(.connection, layer: .collection, operation: "send", message: error.message, details: details(), isRetryable: true)
        }
    }

    private func nextMessage() async throws -> CollectedData {
        while true {
            try Task.checkCancellation()
            guard let connection else {
                try await connect()
                continue
            }
            guard let event = await connection.events.next() else { throw CancellationError() }
            switch event {
            case .message(let isText, let bytes):
                reconnection.succeeded()
                return CollectedData(
                    sourceID: id, format: isText ? options.textFormat : options.binaryFormat, method: .websocket,
                    payload: bytes,
                    metadata: [
                        "url": .string(displayURL), "opcode": .string(isText ? "text" : "binary"),
                        "connection": .integer(Int64(connections)),
                    ])
            case .closed(let code, let reason):
                self.connection = nil
                lastClose = Close(code: code.map(Int.init), reason: reason)
                if code == nil || code == 1000 || code == 1001 { continue }
                throw failed(
                    ErrorInfo(
                        .connection, layer: .collection, operation: "collect",
                        message: "the server closed the WebSocket with code \(code!)" + (reason.isEmpty ? "" : ": \(reason)"),
                        details: details(["close_code": .integer(Int64(code!)), "close_reason": .string(reason)]),
                        isRetryable: true))
            case .failed(let reason, let closeCode, let midFrame):
                self.connection = nil
                var extra: DataObject = ["mid_frame": .bool(midFrame)]
                if let closeCode { extra["close_code"] = .integer(Int64(closeCode)) }
                throw failed(
                    ErrorInfo(
                        closeCode == nil ? .connection : .validation, layer: .collection, operation: "collect",
                        message: closeCode == nil ? reason : "protocol violation by the server: \(reason)",
                        details: details(extra), isRetryable: true))
            }
        }
    }

    /// Counts a failure and says what it means (see `ReconnectCount.failed`).
    private func failed(_ error: ErrorInfo) -> ErrorInfo {
        reconnection.failed(error, connected: connections > 0, target: url.redactedForDisplay)
    }

    private func drop() async {
        guard let connection else { return }
        self.connection = nil
        await connection.close()
    }

    /// The caller's headers, and the token as `Authorization` (which it wins over).
    private var handshakeHeaders: [String: String] {
        guard let token = options.bearerToken else { return options.headers }
        var headers = options.headers.filter { $0.key.lowercased() != "authorization" }
        headers["Authorization"] = "Bearer \(token)"
        return headers
    }

    private func details(_ extra: DataObject = [:]) -> DataObject {
        var details: DataObject = ["source_id": .string(id), "url": .string(displayURL)]
        for (key, value) in extra { details[key] = value }
        return details
    }
}
