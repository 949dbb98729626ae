import CollectorValues
import Collectors
import Foundation

/// Messages from an MQTT broker (MQTT 5, through libmosquitto), one item per
/// message, with the topic, QoS, retain flag and message id in its metadata.
///
/// - Sessions: with `cleanSession == false` and a fixed client id the broker
///   keeps the subscriptions and queues QoS 1/2 messages while the source is
///   away; they arrive after it reconnects.
/// - Shared subscriptions: with a share group, each filter is subscribed as
///   `$share/GROUP/filter`, and the broker gives each message to one member.
/// - Acknowledgement: libmosquitto 2.0 acknowledges a QoS 1 message (PUBACK)
///   and takes over a QoS 2 one (PUBREC) as it receives it, before calling
///   the application, and has no way to defer that. The guarantee is
///   therefore at least once from the broker into this source's inbox; a
///   message received and not yet stored when the process dies is lost. The
///   inbox is bounded (`inboxCapacity`): while it is full the network thread
///   stops reading, so the broker keeps the rest (and redelivers what it has
///   not had acknowledged) and at most that many acknowledged messages wait
///   here at any time. Messages still in it when the source is stopped are
///   reported (`unreadOnClose`, and a line on standard error).
/// - Reconnection, like the WebSocket source's (a `ReconnectingSource`): the
///   first connection is `connect()`'s; afterwards a lost connection throws
///   one retryable error with `reconnect_attempt` and `delay_seconds`, and
///   the next `stream()` waits out the backoff and connects again (the same
///   client id: a persistent session carries over). After
///   `maxReconnectAttempts` failures in a row it gives up.
public actor MQTTSource: DataSource, ReconnectingSource {
    public struct Options: Sendable, Hashable {
        public var client: MQTTClientSettings
        public var topics: [String]
        public var qos: Int
        /// Subscribe as `$share/<group>/<topic>` (MQTT 5 shared subscriptions).
        public var shareGroup: String?
        public var format: DataFormat
        /// Messages received and not yet taken by the pipeline, at most.
        public var inboxCapacity: Int
        public var reconnectDelay: Duration
        public var maxReconnectDelay: Duration
        /// Failures in a row before giving up (`nil`: never).
        public var maxReconnectAttempts: Int?

        public var reconnectPolicy: ReconnectPolicy {
            ReconnectPolicy(initialDelay: reconnectDelay, maxDelay: maxReconnectDelay, maxAttempts: maxReconnectAttempts)
        }

        public init(
            client: MQTTClientSettings = MQTTClientSettings(), topics: [String], qos: Int = 1, shareGroup: String? = nil,
            format: DataFormat = .json, inboxCapacity: Int = 100, reconnectDelay: Duration = .seconds(1),
            maxReconnectDelay: Duration = .seconds(60), maxReconnectAttempts: Int? = 10
        ) {
            self.client = client
            self.topics = topics
            self.qos = qos
            self.shareGroup = shareGroup
            self.format = format
            self.inboxCapacity = inboxCapacity
            self.reconnectDelay = reconnectDelay
            self.maxReconnectDelay = maxReconnectDelay
            self.maxReconnectAttempts = maxReconnectAttempts
        }
    }

    public nonisolated let id: String
    public nonisolated let endpoint: MQTTEndpoint
    public nonisolated let options: Options
    private var connection: MQTTConnection?
    private var reconnection: ReconnectCount
    private let clock = ContinuousClock()
    /// Connections opened so far.
    public private(set) var connections = 0
    /// Whether the broker had a session for the client id at the last connection.
    public private(set) var sessionPresent = false
    /// Messages received (and acknowledged to the broker) that were still in the inbox when the source stopped.
    public private(set) var unreadOnClose = 0

    public init(id: String, endpoint: MQTTEndpoint, options: Options) {
        self.id = id
        self.endpoint = endpoint
        self.options = options
        reconnection = ReconnectCount(options.reconnectPolicy)
        if let password = options.client.password ?? endpoint.password { SecretRedactor.shared.register(password) }
    }

    public func connect() async throws {
        guard connection == nil else { return }
        if connections > 0 {
            try await clock.sleep(for: reconnection.takeDelay())
        }
        var client = options.client
        if client.username == nil { client.username = endpoint.username }
        if client.password == nil { client.password = endpoint.password }
        let subscriptions = options.topics.map { MQTTSubscription(filter: $0, qos: options.qos, shareGroup: options.shareGroup) }
        let opened = MQTTConnection(
            endpoint: endpoint, settings: client, subscriptions: subscriptions, inbox: MQTTInbox(capacity: options.inboxCapacity))
        do {
            try await opened.open()
        } catch let failure as MQTTFailure {
            throw failed(
                ErrorInfo(.connection, layer: .collection, operation: "connect", message: failure.message, details: details(), isRetryable: failure.retryable))
        }
        connections += 1
        sessionPresent = opened.sessionPresent
        connection = opened
    }

    public func disconnect() async {
        guard let connection else { return }
        self.connection = nil
        let unread = await connection.close()
        if unread > 0 {
            unreadOnClose += unread
            StandardError.write(
                "source '\(id)': \(unread) MQTT message(s) received and acknowledged to the broker were not processed before the source stopped\n")
        }
    }

    public func collect() async throws -> CollectedData {
        try await nextMessage()
    }

    public nonisolated func stream() -> AsyncThrowingStream<CollectedData, any Error> {
        AsyncThrowingStream(unfolding: { try await self.nextMessage() })
    }

    private func nextMessage() async throws -> CollectedData {
        while true {
            try Task.checkCancellation()
            guard let connection, let inbox = connection.inbox else {
                try await connect()
                continue
            }
            guard let event = await inbox.next() else { throw CancellationError() }
            switch event {
            case .message(let message):
                reconnection.succeeded()
                return item(message)
            case .lost(let reason):
                self.connection = nil
                await connection.close()
                throw failed(ErrorInfo(.connection, layer: .collection, operation: "collect", message: reason, details: details(), isRetryable: true))
            }
        }
    }

    private func item(_ message: MQTTMessage) -> CollectedData {
        var metadata: DataObject = [
            "topic": .string(message.topic), "qos": .integer(Int64(message.qos)), "retain": .bool(message.retain),
            "message_id": .integer(Int64(message.messageID)),
        ]
        if let type = message.contentType { metadata["content_type"] = .string(type) }
        if let topic = message.responseTopic { metadata["response_topic"] = .string(topic) }
        if !message.userProperties.isEmpty {
            var properties = DataObject()
            for (name, value) in message.userProperties { properties[name] = .string(value) }
            metadata["user_properties"] = .object(properties)
        }
        var refusal: ErrorInfo?
        // Text formats need UTF-8; JSON documents are checked (and located) by the JSON reader itself.
        if options.format == .text || options.format == .csv, !message.payload.isEmpty,
            String(validating: message.payload, as: UTF8.self) == nil
        {
            refusal = ErrorInfo(
                .validation, layer: .collection, operation: "collect",
                message: "the message on topic '\(message.topic)' is not UTF-8 text (format \"\(options.format)\")",
                details: details(["topic": .string(message.topic)]))
        }
        return CollectedData(
            sourceID: id, format: options.format, method: .mqtt, payload: message.payload, metadata: metadata, refusal: refusal)
    }

    /// Counts a failure and says what it means (see `ReconnectCount.failed`).
    private func failed(_ error: ErrorInfo) -> ErrorInfo {
        reconnection.failed(error, connected: connections > 0, target: endpoint.description)
    }

    private func details(_ extra: DataObject = [:]) -> DataObject {
        var details: DataObject = ["source_id": .string(id), "url": .string(endpoint.description)]
        for (key, value) in extra { details[key] = value }
        return details
    }
}

extension CollectionMethod {
    /// A message from an MQTT broker.
    public static let mqtt = CollectionMethod(rawValue: "mqtt")
}
