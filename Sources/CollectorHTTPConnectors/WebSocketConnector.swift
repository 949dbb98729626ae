import CollectorCoreConnectors
import CollectorScripting
import CollectorWebSocket
import Collectors

extension HTTPConnectors {
    /// `source.websocket`: the messages of a WebSocket.
    public static var websocket: ConnectorDescription {
        .source(
            "websocket",
            summary: "The messages of a WebSocket (RFC 6455), reconnected when lost.",
            options: [
                ConnectorOption("url", .string, required: true, "ws or wss URL"),
                ConnectorOption("token", .string, "sent as `Authorization: Bearer ...` with the handshake; never shown"),
                ConnectorOption("headers", .stringMap, "extra handshake headers"),
                ConnectorOption("subscribe", .string, "a text message sent after each (re)connection"),
                ConnectorOption("max_message_size", .size(1...Int.max), default: "\"16MB\"", "larger messages close the connection"),
            ] + SourceOptionKit.reconnectOptions(first: "1s", "the first wait before reconnecting") + [
                ConnectorOption("ca_file", .string, "a CA certificate (PEM) to trust instead of the system's"),
                ConnectorOption("verify_tls", .boolean, default: "true", "check the server's certificate"),
                ProxyOption.option,
                SourceOptionKit.formatOption(default: "json", "how text messages are decoded (binary messages are bytes)"),
            ] + SourceOptionKit.csvOptions + [SourceOptionKit.splitOption]
        ) { options in
            let url = try SourceOptionKit.webURL(options, schemes: ["ws", "wss"])
            var settings = WebSocketSource.Options()
            settings.bearerToken = try options.string("token")
            if let headers = try options.stringMap("headers") { settings.headers = headers }
            settings.subscribeMessage = try options.string("subscribe")
            if let size = try options.size("max_message_size") { settings.maxMessageSize = size }
            try SourceOptionKit.reconnect(options, &settings.reconnectDelay, &settings.maxReconnectDelay, &settings.maxReconnectAttempts)
            settings.tlsCAFile = try options.string("ca_file")
            if let verify = try options.boolean("verify_tls") { settings.tlsVerify = verify }
            settings.proxy = try ProxyOption.read(options.reader)
            settings.textFormat = try SourceOptionKit.format(options, default: .json, streamed: false, splits: true)
            let id = options.id
            var summary = "source.websocket(\(id), \(SourceOptionKit.redacted(url))"
            if settings.bearerToken != nil { summary += ", token ***" }
            return ConnectorInstance(WebSocketSource(id: id, url: url, options: settings), description: summary + ")")
        }
    }
}
