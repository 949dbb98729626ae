import CollectorCoreConnectors
import CollectorScripting
import CollectorHTTPSources
import Collectors

extension HTTPConnectors {
    /// `source.sse`: a server-sent events stream.
    public static var sse: ConnectorDescription {
        .source(
            "sse",
            summary: "A server-sent events stream (text/event-stream), reconnected with Last-Event-ID.",
            options: [
                ConnectorOption("url", .string, required: true, "http or https URL of a text/event-stream"),
                ConnectorOption("token", .string, "sent as `Authorization: Bearer ...`"),
                ConnectorOption("headers", .stringMap, "request headers"),
                ConnectorOption("last_event_id", .string, "sent as Last-Event-ID on the first connection (resume after it)"),
            ] + SourceOptionKit.reconnectOptions(first: "3s", "the first wait before reconnecting (the server's `retry:` wins)") + [
                ConnectorOption("max_event_size", .size(1...Int.max), default: "\"1MB\"", "larger events are dropped"),
                ConnectorOption(
                    "idle_timeout", .duration(atLeast: .milliseconds(1)), default: "\"5m\"", "a connection silent this long is reconnected"),
                ConnectorOption("ca_file", .string, "a CA certificate (PEM) to trust instead of the system's"),
                ProxyOption.option,
                SourceOptionKit.formatOption(default: "json"),
            ] + SourceOptionKit.csvOptions + [SourceOptionKit.splitOption]
        ) { options in
            let url = try SourceOptionKit.webURL(options, schemes: ["http", "https"])
            var settings = SSESource.Options(format: try SourceOptionKit.format(options, default: .json, streamed: false, splits: true))
            settings.bearerToken = try options.string("token")
            if let headers = try options.stringMap("headers") { settings.headers = headers }
            settings.lastEventID = try options.string("last_event_id")
            try SourceOptionKit.reconnect(options, &settings.reconnectDelay, &settings.maxReconnectDelay, &settings.maxReconnectAttempts)
            if let size = try options.size("max_event_size") { settings.maxEventSize = size }
            if let idle = try options.duration("idle_timeout") { settings.idleTimeout = idle }
            settings.tlsCAFile = try options.string("ca_file")
            settings.proxy = try ProxyOption.read(options.reader)
            let id = options.id
            var summary = "source.sse(\(id), \(SourceOptionKit.redacted(url))"
            if settings.bearerToken != nil { summary += ", token ***" }
            return ConnectorInstance(SSESource(id: id, url: url, options: settings), description: summary + ")")
        }
    }
}
