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
/// server is answered and recorded (`lastClose`). The source reconnects
/// (and subscribes again) when the connection ends: after a normal close
/// (1000/1001) quietly, otherwise after throwing one error that says why;
/// failures in a row back off exponentially and, past
/// `maxReconnectAttempts`, the last error is thrown for good.
public actor WebSocketSource: DataSource {
    public struct Options: Sendable, Hashable {
        public var headers: [String: String]
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
        public var binaryFormat: DataFormat

        public init(
            headers: [String: String] = [:], subscribeMessage: String? = nil, maxMessageSize: Int = 16 << 20,
            connectTimeout: Duration = .seconds(10), reconnectDelay: Duration = .seconds(1),
            maxReconnectDelay: Duration = .seconds(60), maxReconnectAttempts: Int? = 10, tlsCAFile: String? = nil,
            tlsVerify: Bool = true, textFormat: DataFormat = .json, binaryFormat: DataFormat = .binary
        ) {
            self.headers = headers
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
    public nonisolated let options: Options
    private var connection: WebSocketConnection?
    private var failures = 0
    private var reconnecting = false
    private let clock = ContinuousClock()
    /// Connections opened so far.
    public private(set) var connections = 0
    public private(set) var lastClose: Close?

    public init(id: String, url: URL, options: Options = Options()) {
        self.id = id
        self.url = url
        self.options = options
        // Its secret headers and URL credentials never leave the engine.
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
        if reconnecting || failures > 0 {
            if let limit = options.maxReconnectAttempts, failures >= limit {
                throw ErrorInfo(
                    .connection, layer: .collection, operation: "connect",
                    message: "gave up on \(url.redactedForDisplay) after \(failures) failures in a row",
                    details: details(["reconnect_attempts": .integer(Int64(failures))]))
            }
            var delay = options.reconnectDelay
            if failures > 1 { for _ in 1..<failures { delay = min(delay * 2, options.maxReconnectDelay) } }
            try await clock.sleep(for: delay)
        }
        let opened: WebSocketConnection
        do {
            opened = try await WebSocketConnection.open(
                target, headers: options.headers, timeout: options.connectTimeout, caFile: options.tlsCAFile,
                verify: options.tlsVerify, maxMessageSize: options.maxMessageSize)
        } catch WebSocketConnection.OpenError.connect(let reason) {
            failures += 1
            throw ErrorInfo(
                .connection, layer: .collection, operation: "connect", message: reason, details: details(),
                isRetryable: true)
        } catch WebSocketConnection.OpenError.handshake(let reason) {
            failures += 1
            throw ErrorInfo(
                .connection, layer: .collection, operation: "connect",
                message: "WebSocket handshake with \(url.redactedForDisplay) failed: \(reason)",
                details: details(["handshake": .string(reason)]))
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
        reconnecting = false
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
                failures = 0
                return CollectedData(
                    sourceID: id, format: isText ? options.textFormat : options.binaryFormat, method: .websocket,
                    payload: bytes,
                    metadata: [
                        "url": .string(url.redactedForDisplay), "opcode": .string(isText ? "text" : "binary"),
                        "connection": .integer(Int64(connections)),
                    ])
            case .closed(let code, let reason):
                self.connection = nil
                reconnecting = true
                lastClose = Close(code: code.map(Int.init), reason: reason)
                if code == nil || code == 1000 || code == 1001 { continue }
                failures += 1
                throw ErrorInfo(
                    .connection, layer: .collection, operation: "collect",
                    message: "the server closed the WebSocket with code \(code!)" + (reason.isEmpty ? "" : ": \(reason)"),
                    details: details(["close_code": .integer(Int64(code!)), "close_reason": .string(reason)]),
                    isRetryable: true)
            case .failed(let reason, let closeCode, let midFrame):
                self.connection = nil
                reconnecting = true
                failures += 1
                var extra: DataObject = ["mid_frame": .bool(midFrame)]
                if let closeCode { extra["close_code"] = .integer(Int64(closeCode)) }
                throw ErrorInfo(
                    closeCode == nil ? .connection : .validation, layer: .collection, operation: "collect",
                    message: closeCode == nil ? reason : "protocol violation by the server: \(reason)",
                    details: details(extra), isRetryable: true)
            }
        }
    }

    private func drop() async {
        guard let connection else { return }
        self.connection = nil
        await connection.close()
    }

    private func details(_ extra: DataObject = [:]) -> DataObject {
        var details: DataObject = ["source_id": .string(id), "url": .string(url.redactedForDisplay)]
        for (key, value) in extra { details[key] = value }
        return details
    }
}
