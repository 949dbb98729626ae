import CollectorSources
import Collectors
import Foundation

extension BuiltinConnectors {
    /// `source.http`: an HTTP API polled on an interval.
    static var http: ConnectorDescription {
        .source(
            "http",
            summary: "An HTTP API, polled on an interval.",
            collection: .polling,
            options: [
                ConnectorOption("url", .string, required: true, "http or https URL"),
                ConnectorOption("token", .string, "sent as `Authorization: Bearer ...`"),
                ConnectorOption("every", .duration(atLeast: .milliseconds(1)), default: "\"60s\"", "time between polls (once with --once)"),
                ConnectorOption("headers", .stringMap, "request headers"),
                ConnectorOption("timeout", .duration(atLeast: .milliseconds(1)), default: "\"30s\"", "how long one request may take"),
                ConnectorOption("method", .choice(["GET", "POST", "PUT"]), default: "\"GET\"", "the request method"),
                ConnectorOption("jitter", .number(0...1), default: "0.1", "a random part of `every` added to each wait, as a fraction of it"),
            ] + SourceOptionKit.reconnectOptions(first: "1s", "the first wait before a failed poll is tried again") + [
                SourceOptionKit.formatOption(default: "json")
            ]
        ) { options in
            let text = try options.requiredString("url")
            guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme.lowercased()) else {
                throw options.problem("option 'url' must be an http or https URL, got \"\(SourceOptionKit.redactedText(text))\"")
            }
            var settings = HTTPSource.Options(format: try SourceOptionKit.format(options, default: .json))
            settings.bearerToken = try options.string("token")
            if let headers = try options.stringMap("headers") { settings.headers = headers }
            if let every = try options.duration("every") { settings.interval = every }
            if let timeout = try options.duration("timeout") { settings.timeout = timeout }
            if let jitter = try options.number("jitter") { settings.jitter = jitter }
            if let method = try options.choice("method", ["GET", "POST", "PUT"]) { settings.method = .init(rawValue: method) ?? .get }
            var attempts = settings.reconnect.maxAttempts
            try SourceOptionKit.reconnect(options, &settings.reconnect.initialDelay, &settings.reconnect.maxDelay, &attempts)
            settings.reconnect.maxAttempts = attempts
            let id = options.id
            var summary = "source.http(\(id), \(SourceOptionKit.redacted(url)), every \(Units.describe(settings.interval))"
            if settings.bearerToken != nil { summary += ", token ***" }
            return ConnectorInstance(HTTPSource(id: id, url: url, options: settings), description: summary + ")")
        }
    }
}
