import CollectorCoreConnectors
import CollectorMQTT
import CollectorScripting
import Collectors

extension MQTTConnectors {
    /// `source.mqtt`: the messages of MQTT topics.
    public static var mqtt: ConnectorDescription {
        .source(
            "mqtt",
            summary: "The messages of MQTT topics (MQTT 5, libmosquitto): QoS 0-2, persistent sessions, shared subscriptions, TLS; topic, qos and retain in each item's metadata (see [sources/mqtt.md](sources/mqtt.md)).",
            options: MQTTConnectorOptions.common(
                clientIDDoc: "the client id; needed with `clean_session = false` (default: a random one)") + [
                    ConnectorOption("topics", .strings, required: true, "topic filters to subscribe to (`+` and `#` wildcards)"),
                    MQTTConnectorOptions.qosOption,
                    ConnectorOption(
                        "clean_session", .boolean, default: "true",
                        "`false`: the broker keeps the session (subscriptions, QoS 1/2 messages published while the collector is away) for this `client_id`"),
                    ConnectorOption("session_expiry", .duration(), "with `clean_session = false`: how long the broker keeps the session after a disconnection (default: for ever)"),
                    ConnectorOption("share_group", .string, "subscribe as `$share/GROUP/topic`: the collectors of one group split the messages"),
                    ConnectorOption("inbox", .integer(1...100_000), default: "100", "messages received and not yet taken by the pipeline, at most (acknowledged to the broker already; see the guarantees)"),
                ] + SourceOptionKit.reconnectOptions(first: "1s", "the first wait before reconnecting") + [
                    SourceOptionKit.formatOption(default: "json", "how a message's payload is decoded")
                ] + SourceOptionKit.csvOptions + [SourceOptionKit.splitOption]
        ) { options in
            let (endpoint, client) = try MQTTConnectorOptions.read(options)
            var settings = MQTTSource.Options(client: client, topics: [])
            guard let topics = try options.strings("topics"), !topics.isEmpty else {
                throw options.problem("option 'topics' must list at least one topic filter")
            }
            for topic in topics {
                if let problem = MQTTSubscription.problem(filter: topic) {
                    throw options.problem("option 'topics': \"\(topic)\" \(problem)")
                }
            }
            settings.topics = topics
            if let qos = try options.integer("qos") { settings.qos = qos }
            settings.client.cleanSession = try options.boolean("clean_session") ?? true
            if !settings.client.cleanSession, settings.client.clientID == nil {
                throw options.problem("option 'clean_session = false' needs a 'client_id' (the broker finds the session by it)")
            }
            if let expiry = try options.duration("session_expiry") {
                guard !settings.client.cleanSession else { throw options.problem("option 'session_expiry' needs clean_session = false") }
                let seconds = expiry.components.seconds
                guard seconds >= 1, seconds < Int64(UInt32.max) else {
                    throw options.problem("option 'session_expiry' must be between 1s and 136 years")
                }
                settings.client.sessionExpiry = UInt32(seconds)
            }
            if let group = try options.string("share_group") {
                guard !group.isEmpty, !group.contains(where: { "/+#".contains($0) }) else {
                    throw options.problem("option 'share_group' must be a name without '/', '+' or '#', got \"\(group)\"")
                }
                settings.shareGroup = group
            }
            if let inbox = try options.integer("inbox") { settings.inboxCapacity = inbox }
            try SourceOptionKit.reconnect(options, &settings.reconnectDelay, &settings.maxReconnectDelay, &settings.maxReconnectAttempts)
            settings.format = try SourceOptionKit.format(options, default: .json, streamed: false, splits: true)
            let id = options.id
            let summary = MQTTConnectorOptions.summary(
                "source.mqtt", id, endpoint, topics.joined(separator: " ") + ", qos \(settings.qos)"
                    + (settings.shareGroup.map { ", group \($0)" } ?? ""))
            return ConnectorInstance(MQTTSource(id: id, endpoint: endpoint, options: settings), description: summary)
        }
    }
}
