import CollectorHTTPOutput
import CollectorValues
import Foundation
import LuaRuntime

/// `storage.http { url = ..., ... }`: records POSTed to an HTTP endpoint
/// in batches (see `HTTPStorage`), added through the public `addStorage`.
enum HTTPStorageConstructor {
    static let optionNames = [
        "url", "format", "gzip", "token", "basic", "headers", "ca_file", "verify_tls", "timeout", "connect_timeout",
        "retries", "retry_delay", "max_retry_delay", "max_retry_after", "idempotency_header", "proxy",
    ]

    static func register(in bindings: ScriptBindings) throws {
        try bindings.addStorage(named: "http", options: optionNames) { options in
            let (url, settings) = try parse(options)
            return HTTPStorage(id: options.id, url: url, options: settings)
        }
    }

    static func parse(_ options: ScriptOptions) throws -> (URL, HTTPStorage.Options) {
        let reader = options.reader
        let text = try reader.requiredString("url")
        guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme.lowercased()),
            url.host != nil
        else {
            throw options.problem("option 'url' must be an http or https URL, got \"\(SourceBindings.redactedText(text))\"")
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
