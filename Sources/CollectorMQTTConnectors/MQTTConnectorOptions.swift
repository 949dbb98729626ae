import CollectorCoreConnectors
import CollectorMQTT
import CollectorScripting

/// The options source.mqtt and storage.mqtt share: the broker URL, identity,
/// credentials and TLS.
enum MQTTConnectorOptions {
    static func common(clientIDDoc: String) -> [ConnectorOption] {
        [
            ConnectorOption("url", .string, required: true, "`mqtt://host:port` (default port 1883) or `mqtts://host:port` (TLS, default port 8883)"),
            ConnectorOption("client_id", .string, clientIDDoc),
            ConnectorOption("username", .string, "the user name given to the broker (overrides one in the URL)"),
            ConnectorOption("password", .string, "the password given to the broker; never shown"),
            ConnectorOption("keepalive", .duration(atLeast: .seconds(5)), default: "\"30s\"", "how often the client pings the broker when nothing else is sent"),
            ConnectorOption("connect_timeout", .duration(atLeast: .milliseconds(1)), default: "\"10s\"", "how long connecting (TCP, TLS, CONNACK, SUBACK) may take"),
            ConnectorOption("ca_file", .string, "with `mqtts://`: a CA certificate (PEM) to trust instead of the system's"),
            ConnectorOption("cert_file", .string, "with `mqtts://`: a client certificate (PEM), with `key_file`"),
            ConnectorOption("key_file", .string, "with `mqtts://`: the client certificate's private key (PEM, unencrypted)"),
            ConnectorOption("insecure", .boolean, default: "false", "with `mqtts://`: accept any server certificate and host name (for tests only)"),
        ]
    }

    static let qosOption = ConnectorOption("qos", .integer(0...2), default: "1", "quality of service: 0 at most once, 1 at least once, 2 exactly once (between client and broker)")

    /// Reads `url` and the client settings; checks that TLS options come with `mqtts://`.
    static func read(_ options: ScriptOptions) throws -> (MQTTEndpoint, MQTTClientSettings) {
        let text = try options.requiredString("url")
        guard let endpoint = MQTTEndpoint(url: text) else {
            throw options.problem(
                "option 'url' must be an mqtt:// or mqtts:// URL with a host (and no path), got \"\(SourceOptionKit.redactedText(text))\"")
        }
        var client = MQTTClientSettings()
        if let id = try options.string("client_id") {
            guard !id.isEmpty, id.utf8.count <= 65535 else { throw options.problem("option 'client_id' must not be empty") }
            client.clientID = id
        }
        client.username = try options.string("username")
        client.password = try options.string("password")
        if let keepalive = try options.duration("keepalive") {
            let seconds = keepalive.components.seconds
            guard seconds <= 65535 else { throw options.problem("option 'keepalive' is longer than 65535 seconds") }
            client.keepAlive = Int(seconds)
        }
        if let timeout = try options.duration("connect_timeout") { client.connectTimeout = timeout }
        client.caFile = try options.string("ca_file")
        client.certFile = try options.string("cert_file")
        client.keyFile = try options.string("key_file")
        client.insecure = try options.boolean("insecure") ?? false
        for name in ["ca_file", "cert_file", "key_file", "insecure"] where options.has(name) && !endpoint.tls {
            throw options.problem("option '\(name)' needs an mqtts:// URL (the URL is \(endpoint))")
        }
        if (client.certFile == nil) != (client.keyFile == nil) {
            throw options.problem("options 'cert_file' and 'key_file' go together (one is missing)")
        }
        return (endpoint, client)
    }

    static func summary(_ kind: String, _ id: String, _ endpoint: MQTTEndpoint, _ extra: String) -> String {
        "\(kind)(\(id), \(endpoint), \(extra))"
    }
}
