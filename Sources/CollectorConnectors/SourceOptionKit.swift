import CollectorScripting
import Collectors
import Foundation

/// Options and checks several sources share: `format`, the reconnect
/// options, URLs, and URLs shown without their secrets.
enum SourceOptionKit {
    static let formats = ["json", "jsonl", "text", "csv", "binary"]

    /// `format`: how items are decoded.
    static func formatOption(default value: String, _ doc: String = "how the payload is decoded") -> ConnectorOption {
        ConnectorOption("format", .choice(formats), default: "\"\(value)\"", annotation: "collector.Format", doc)
    }

    static func format(_ options: ScriptOptions, default value: DataFormat) throws -> DataFormat {
        guard let name = try options.choice("format", formats) else { return value }
        return DataFormat(rawValue: name)
    }

    /// `reconnect`, `reconnect_max`, `reconnect_attempts`.
    static func reconnectOptions(first: String, _ doc: String) -> [ConnectorOption] {
        [
            ConnectorOption("reconnect", .duration(), default: "\"\(first)\"", doc),
            ConnectorOption("reconnect_max", .duration(), default: "\"60s\"", "the cap of that backoff"),
            ConnectorOption(
                "reconnect_attempts", .integer(0...Int.max), default: "10",
                "failed attempts in a row before the source gives up and its pipeline fails; 0: never"),
        ]
    }

    /// Reads the reconnect options into the source's settings; `reconnect_max`
    /// shorter than `reconnect` is an error.
    static func reconnect(
        _ options: ScriptOptions, _ delay: inout Duration, _ cap: inout Duration, _ attempts: inout Int?
    ) throws {
        if let first = try options.duration("reconnect") { delay = first }
        if let maximum = try options.duration("reconnect_max") { cap = maximum }
        if let count = try options.integer("reconnect_attempts") { attempts = count == 0 ? nil : count }
        guard cap >= delay else {
            throw options.problem("option 'reconnect_max' (\(cap)) is shorter than 'reconnect' (\(delay))")
        }
    }

    static func webURL(_ options: ScriptOptions, schemes: [String]) throws -> URL {
        let text = try options.requiredString("url")
        guard let url = URL(string: text), let scheme = url.scheme, schemes.contains(scheme.lowercased()), url.host != nil else {
            let list = schemes.map { "\($0)://" }.joined(separator: " or ")
            throw options.problem("option 'url' must be a \(list) URL, got \"\(redactedText(text))\"")
        }
        return url
    }

    /// A URL given as text, for an error message: without what could be a password or a key.
    static func redactedText(_ text: String) -> String {
        guard let url = URL(string: text), url.scheme != nil else { return text.count > 80 ? String(text.prefix(80)) + "…" : text }
        return redacted(url)
    }

    /// The URL without credentials or query (which may carry keys).
    static func redacted(_ url: URL) -> String {
        guard var parts = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return "?" }
        if parts.password != nil || parts.user != nil { parts.user = "***"; parts.password = nil }
        if parts.query != nil { parts.query = "..." }
        return parts.string ?? "?"
    }
}
