import CollectorCoreConnectors
import CollectorScripting
import CollectorHTTPSources
import Collectors
import Foundation

extension HTTPConnectors {
    /// `source.http`: an HTTP API polled on an interval.
    public static var http: ConnectorDescription {
        .source(
            "http",
            summary: "An HTTP API, polled on an interval, with pagination; with --once, one poll, every page of it (see [sources/http.md](sources/http.md)).",
            collection: .polling,
            options: [
                ConnectorOption("url", .string, required: true, "http or https URL"),
                ConnectorOption("token", .string, "sent as `Authorization: Bearer ...`"),
                ConnectorOption("every", .duration(atLeast: .milliseconds(1)), default: "\"60s\"", "time between polls (one poll with --once)"),
                ConnectorOption("headers", .stringMap, "request headers"),
                ConnectorOption("method", .choice(["GET", "POST", "PUT"]), default: "\"GET\"", "the request method"),
                ConnectorOption(
                    "body", .any, annotation: "string|table",
                    "POST/PUT only: a string sent as it is, or a table sent as JSON with `Content-Type: application/json` unless `headers` set one"
                ),
                ConnectorOption(
                    "query", .table, annotation: "table<string, string|number|boolean>",
                    "strings, numbers or booleans added to the URL's query, percent-encoded"),
                ConnectorOption("timeout", .duration(atLeast: .milliseconds(1)), default: "\"30s\"", "each wait for the server"),
                ConnectorOption("connect_timeout", .duration(atLeast: .milliseconds(1)), default: "\"10s\"", "how long connecting may take"),
                ConnectorOption("total_timeout", .duration(atLeast: .milliseconds(1)), default: "\"120s\"", "the whole request"),
                ConnectorOption("ca_file", .string, "a CA certificate (PEM) to trust instead of the system's"),
                ConnectorOption("verify_tls", .boolean, default: "true", "check the server's certificate"),
                ConnectorOption("max_response_size", .size(1...Int.max), default: "\"10MB\"", "a larger response is an error"),
                ConnectorOption("conditional", .boolean, default: "true", "ETag/Last-Modified: unchanged data is not collected twice"),
                ConnectorOption("validate_utf8", .boolean, default: "true", "a body that is not UTF-8 is a failed record"),
                ConnectorOption("max_retry_after", .duration(), default: "\"300s\"", "the longest `Retry-After` waited for"),
                ConnectorOption(
                    "pagination", .choice(["none", "link", "cursor", "page"]), default: "\"none\"",
                    "`\"link\"`: follow `Link: <...>; rel=\"next\"`; `\"cursor\"`: the next cursor at `cursor_field`; `\"page\"`: page numbers until a page whose items are empty (see [sources/http.md](sources/http.md))"
                ),
                ConnectorOption("cursor_field", .string, "with `\"cursor\"` (required): the dotted path of the next cursor in the JSON body"),
                ConnectorOption("cursor_param", .string, default: "\"cursor\"", "with `\"cursor\"`: the query parameter the cursor is sent as"),
                ConnectorOption("page_param", .string, default: "\"page\"", "with `\"page\"`: the query parameter of the page number"),
                ConnectorOption("page_start", .integer(0...1_000_000_000), default: "1", "with `\"page\"`: the first page's number"),
                ConnectorOption("page_items", .string, "with `\"page\"`: the dotted path of a page's item array (default: the body)"),
                ConnectorOption("max_pages", .integer(1...1_000_000), default: "100", "pages read per poll"),
                ConnectorOption("jitter", .number(0...1), default: "0.1", "a random part of `every` added to each wait, as a fraction of it"),
            ] + SourceOptionKit.reconnectOptions(first: "1s", "the first wait before a failed poll is tried again") + [
                ProxyOption.option,
                SourceOptionKit.formatOption(default: "json"),
            ] + SourceOptionKit.csvOptions + [SourceOptionKit.splitOption]
        ) { options in
            let (url, parsed) = try HTTPSourceOptions.read(options)
            var settings = parsed
            // One poll, every page of it, then the stream ends.
            if options.collectsOnce { settings.maxPolls = 1 }
            let id = options.id
            var summary = "source.http(\(id), \(SourceOptionKit.redacted(url)), every \(Units.describe(settings.interval))"
            if settings.bearerToken != nil { summary += ", token ***" }
            return ConnectorInstance(HTTPSource(id: id, url: url, options: settings), description: summary + ")")
        }
    }
}
