import CollectorCoreConnectors
import CollectorScripting
import CollectorHTTPSources
import CollectorValues
import Foundation
import LuaRuntime

/// `source.http{ ... }`'s options read into `HTTPSource.Options`: every
/// setting of the source, under the names its schema gives them (the
/// schema has checked each value's type and range already).
enum HTTPSourceOptions {
    /// The URL and the source's options from a script's table; an error names the option.
    static func read(_ script: ScriptOptions) throws -> (URL, HTTPSource.Options) {
        let options = script.reader
        let function = "source.http"
        let text = try options.requiredString("url")
        guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme.lowercased()),
            url.host != nil
        else {
            throw LuaCallError("\(function): option 'url' must be an http or https URL, got \"\(SourceOptionKit.redactedText(text))\"")
        }
        var settings = HTTPSource.Options(format: try SourceOptionKit.format(script, default: .json, streamed: false, splits: true))
        settings.bearerToken = try options.string("token")
        if let headers = try options.stringMap("headers") { settings.headers = headers }
        if let every = try options.duration("every", atLeast: .milliseconds(1)) { settings.interval = every }
        if let timeout = try options.duration("timeout", atLeast: .milliseconds(1)) { settings.timeout = timeout }
        if let connect = try options.duration("connect_timeout", atLeast: .milliseconds(1)) { settings.connectTimeout = connect }
        if let total = try options.duration("total_timeout", atLeast: .milliseconds(1)) { settings.totalTimeout = total }
        if let jitter = try options.number("jitter", in: 0...1) { settings.jitter = jitter }
        if let method = try options.choice("method", ["GET", "POST", "PUT"]) { settings.method = .init(rawValue: method) ?? .get }
        if let query = try queryParameters(options, function) { settings.query = query }
        if let body = try options.value("body").map({ _ in try options.data("body") }) ?? nil {
            guard settings.method != .get else {
                throw LuaCallError("\(function): option 'body' needs method = \"POST\" or \"PUT\" (a GET has no body)")
            }
            switch body {
            case .string(let text):
                settings.body = Array(text.utf8)
            case .bytes(let bytes):
                settings.body = bytes
            case .object, .array:
                do {
                    settings.body = try JSONWriter().bytes(body)
                } catch {
                    throw LuaCallError("\(function): option 'body' cannot be sent as JSON: \(error)")
                }
                if !settings.headers.keys.contains(where: { $0.lowercased() == "content-type" }) {
                    settings.headers["Content-Type"] = "application/json"
                }
            default:
                throw LuaCallError("\(function): option 'body' must be a string or a table (sent as JSON), got \(body.typeName)")
            }
        }
        settings.tlsCAFile = try options.string("ca_file")
        if let verify = try options.boolean("verify_tls") { settings.tlsVerify = verify }
        if let size = try options.size("max_response_size", in: 1...Int.max) { settings.maxResponseSize = size }
        if let conditional = try options.boolean("conditional") { settings.conditional = conditional }
        if let validate = try options.boolean("validate_utf8") { settings.validateUTF8 = validate }
        if let longest = try options.duration("max_retry_after") { settings.maxRetryAfter = longest }
        settings.pagination = try pagination(options, function)
        settings.proxy = try ProxyOption.read(options)
        var attempts = settings.reconnect.maxAttempts
        try SourceOptionKit.reconnect(script, &settings.reconnect.initialDelay, &settings.reconnect.maxDelay, &attempts)
        settings.reconnect.maxAttempts = attempts
        return (url, settings)
    }

    /// `pagination = "link" | "cursor" | "page"` and the options of each;
    /// an option of another kind of pagination is an error, not ignored.
    private static func pagination(_ options: OptionReader, _ function: String) throws -> Pagination {
        let kind = try options.choice("pagination", ["none", "link", "cursor", "page"]) ?? "none"
        let owners = [
            "cursor_field": "cursor", "cursor_param": "cursor", "page_param": "page", "page_start": "page",
            "page_items": "page", "max_pages": "link\", \"cursor\" or \"page",
        ]
        for (name, owner) in owners.sorted(by: { $0.key < $1.key }) where options.has(name) {
            let applies = name == "max_pages" ? kind != "none" : kind == owner
            guard applies else {
                throw LuaCallError("\(function): option '\(name)' needs pagination = \"\(owner)\"")
            }
        }
        let maxPages = try options.integer("max_pages", in: 1...1_000_000) ?? 100
        switch kind {
        case "link":
            return .linkHeader(maxPages: maxPages)
        case "cursor":
            guard let field = try options.string("cursor_field"), !field.isEmpty else {
                throw LuaCallError(
                    "\(function): option 'cursor_field' is required with pagination = \"cursor\" (the dotted path of the next cursor in the body, e.g. \"meta.next\")")
            }
            let parameter = try options.string("cursor_param") ?? "cursor"
            guard !parameter.isEmpty else { throw LuaCallError("\(function): option 'cursor_param' must not be empty") }
            return .cursor(field: field, parameter: parameter, maxPages: maxPages)
        case "page":
            let parameter = try options.string("page_param") ?? "page"
            guard !parameter.isEmpty else { throw LuaCallError("\(function): option 'page_param' must not be empty") }
            let start = try options.integer("page_start", in: 0...1_000_000_000) ?? 1
            let items = try options.string("page_items")
            if let items, items.isEmpty { throw LuaCallError("\(function): option 'page_items' must not be empty") }
            return .pageNumber(parameter: parameter, start: start, itemsField: items, maxPages: maxPages)
        default:
            return .none
        }
    }

    /// `query = { name = value }`: strings, numbers and booleans, sent as text.
    private static func queryParameters(_ options: OptionReader, _ function: String) throws -> [String: String]? {
        guard let data = try options.value("query").map({ _ in try options.data("query") }) ?? nil else { return nil }
        switch data {
        case .array(let items) where items.isEmpty:
            return [:]
        case .object(let object):
            var query: [String: String] = [:]
            for (name, value) in object {
                switch value {
                case .string(let text): query[name] = text
                case .integer(let number): query[name] = String(number)
                case .double(let number): query[name] = String(number)
                case .bool(let flag): query[name] = flag ? "true" : "false"
                default:
                    throw LuaCallError(
                        "\(function): option 'query.\(name)' must be a string, a number or a boolean, got \(value.typeName)")
                }
            }
            return query
        default:
            throw LuaCallError("\(function): option 'query' must be a table of values by name, got \(data.typeName)")
        }
    }
}
