import CollectorCoreConnectors
import CollectorScripting
import CollectorHTTPOutput
import Collectors
import Foundation

extension HTTPConnectors {
    /// `storage.http`: records POSTed to an HTTP endpoint in batches.
    public static var httpStorage: ConnectorDescription {
        .storage(
            "http",
            summary: "Records POSTed to an HTTP endpoint, a batch per request (NDJSON or a JSON array): 429/503 wait out `Retry-After`, 5xx and connection failures are retried then spooled, other 4xx dead-letter the refused records; never queried (see [storage/http.md](storage/http.md)).",
            options: [
                ConnectorOption("url", .string, required: true, "http or https URL"),
                ConnectorOption("format", .choice(["ndjson", "json"]), default: "\"ndjson\"", "the body: one JSON line per record, or a JSON array"),
                ConnectorOption("gzip", .boolean, default: "false", "compress the body (`Content-Encoding: gzip`)"),
                ConnectorOption("token", .string, "sent as `Authorization: Bearer ...`"),
                ConnectorOption("basic", .table, annotation: "{ user: string, password: string }", "`{ user =, password = }`: basic authentication (not with `token`)"),
                ConnectorOption("headers", .stringMap, "request headers"),
                ConnectorOption("ca_file", .string, "a CA certificate (PEM) to trust instead of the system's"),
                ConnectorOption("verify_tls", .boolean, default: "true", "check the server's certificate"),
                ConnectorOption("timeout", .duration(atLeast: .milliseconds(1)), default: "\"30s\"", "one POST"),
                ConnectorOption("connect_timeout", .duration(atLeast: .milliseconds(1)), default: "\"10s\"", "how long connecting may take"),
                ConnectorOption("retries", .integer(0...100), default: "3", "tries again of a batch that failed in a way that may pass, before the spool"),
                ConnectorOption("retry_delay", .duration(), default: "\"500ms\"", "the first wait before a retry"),
                ConnectorOption("max_retry_delay", .duration(), default: "\"30s\"", "the cap of that backoff"),
                ConnectorOption("max_retry_after", .duration(), default: "\"300s\"", "the longest `Retry-After` (429, 503) waited for"),
                ConnectorOption(
                    "idempotency_header", .any, default: "\"Idempotency-Key\"", annotation: "string|false",
                    "the header carrying a key made from the batch's record ids (the same on every retry); `false`: none"),
                ProxyOption.option,
            ]
        ) { options in
            let (url, settings) = try HTTPStorageOptions.read(options)
            let id = options.id
            return ConnectorInstance(
                HTTPStorage(id: id, url: url, options: settings),
                description: "storage.http(\(id), \(SourceOptionKit.redacted(url)), \(settings.format == .json ? "json" : "ndjson"))")
        }
    }
}

/// `storage.http{ ... }`'s options read into `HTTPStorage.Options`.
enum HTTPStorageOptions {
    static func read(_ options: ScriptOptions) throws -> (URL, HTTPStorage.Options) {
        let reader = options.reader
        let text = try reader.requiredString("url")
        guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme.lowercased()),
            url.host != nil
        else {
            throw options.problem("option 'url' must be an http or https URL, got \"\(SourceOptionKit.redactedText(text))\"")
        }
        var settings = HTTPStorage.Options()
        if let format = try reader.choice("format", ["ndjson", "json"]) { settings.format = format == "json" ? .json : .ndjson }
        if let gzip = try reader.boolean("gzip") { settings.gzip = gzip }
        if let headers = try reader.stringMap("headers") { settings.headers = headers }
        settings.bearerToken = try reader.string("token")
        if let basic = try reader.data("basic") {
            guard settings.bearerToken == nil else { throw options.problem("options 'token' and 'basic' exclude each other") }
            guard case .object(let pair) = basic, case .string(let user)? = pair["user"],
                case .string(let password)? = pair["password"], pair.count == 2
            else {
                throw options.problem("option 'basic' must be { user = \"...\", password = \"...\" }")
            }
            settings.basicUser = user
            settings.basicPassword = password
        }
        settings.tlsCAFile = try reader.string("ca_file")
        if let verify = try reader.boolean("verify_tls") { settings.tlsVerify = verify }
        if let timeout = try reader.duration("timeout", atLeast: .milliseconds(1)) { settings.timeout = timeout }
        if let connect = try reader.duration("connect_timeout", atLeast: .milliseconds(1)) { settings.connectTimeout = connect }
        if let retries = try reader.integer("retries", in: 0...100) { settings.retries = retries }
        if let delay = try reader.duration("retry_delay") { settings.retryDelay = delay }
        if let cap = try reader.duration("max_retry_delay") { settings.maxRetryDelay = cap }
        guard settings.maxRetryDelay >= settings.retryDelay else {
            throw options.problem("option 'max_retry_delay' is shorter than 'retry_delay'")
        }
        if let longest = try reader.duration("max_retry_after") { settings.maxRetryAfter = longest }
        switch reader.value("idempotency_header") {
        case nil: break
        case .boolean(false): settings.idempotencyHeader = nil
        case .string(let name) where !name.isEmpty && name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x3A }):
            settings.idempotencyHeader = name
        default:
            throw options.problem("option 'idempotency_header' must be a header name or false")
        }
        settings.proxy = try ProxyOption.read(reader)
        return (url, settings)
    }
}
