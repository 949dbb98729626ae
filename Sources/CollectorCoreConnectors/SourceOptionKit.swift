import CollectorScripting
import Collectors
import Foundation

/// Options and checks several sources share: `format`, the reconnect
/// options, URLs, and URLs shown without their secrets.
package enum SourceOptionKit {
    package static let formats = ["json", "jsonl", "text", "csv", "binary"]

    /// `format`: how items are decoded.
    package static func formatOption(default value: String, _ doc: String = "how the payload is decoded") -> ConnectorOption {
        ConnectorOption("format", .choice(formats), default: "\"\(value)\"", annotation: "collector.Format", doc)
    }

    /// The CSV options: `delimiter`, `columns`, `csv_types`.
    package static let csvOptions = [
        ConnectorOption("delimiter", .string, default: "\",\"", "with `format = \"csv\"`: the one character between fields"),
        ConnectorOption(
            "columns", .strings, "with `format = \"csv\"`: the column names, when the data has no header row (default: the first row names them)"),
        ConnectorOption(
            "csv_types", .boolean, default: "false",
            "with `format = \"csv\"`: unquoted numbers and `true`/`false` become numbers and booleans, empty fields null (else all are strings)"),
    ]

    /// `split`: a JSON payload's array as one record per element.
    package static let splitOption = ConnectorOption(
        "split", .any, annotation: "string|boolean",
        "with `format = \"json\"`: one record per element of the array at this dotted path (`\"data.items\"`), or of the payload itself with `true`")

    /// The format and its options. `streamed`: the items are a stream's
    /// lines (a CSV header is read once, a quoted field may span items);
    /// `splits`: the source takes `split`.
    package static func format(_ options: ScriptOptions, default value: DataFormat, streamed: Bool, splits: Bool = false) throws -> DataFormat {
        var format = try options.choice("format", formats).map(DataFormat.init(rawValue:)) ?? value
        for name in ["delimiter", "columns", "csv_types"] where options.has(name) && format != .csv {
            throw options.problem("option '\(name)' needs format = \"csv\" (the format is \"\(format)\")")
        }
        if format == .csv {
            var csv = CSVOptions(streamed: streamed)
            if let delimiter = try options.string("delimiter") {
                guard delimiter.utf8.count == 1, let byte = delimiter.utf8.first, byte != UInt8(ascii: "\""),
                    byte != UInt8(ascii: "\n"), byte != UInt8(ascii: "\r")
                else {
                    throw options.problem("option 'delimiter' must be one ASCII character other than a quote or a line end, got \"\(delimiter)\"")
                }
                csv.delimiter = byte
            }
            if let columns = try options.strings("columns") {
                guard !columns.isEmpty else { throw options.problem("option 'columns' is empty (leave it out to read a header row)") }
                if let repeated = Dictionary(grouping: columns, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
                    throw options.problem("option 'columns' names \"\(repeated)\" twice")
                }
                csv.columns = columns
            }
            csv.types = try options.boolean("csv_types") ?? false
            format.csv = csv
        }
        if splits, options.has("split") {
            let path: String
            switch try options.data("split") {
            case .bool(true)?: path = ""
            case .string(let text)? where !text.isEmpty && !text.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty):
                path = text
            default:
                throw options.problem("option 'split' must be a dotted path (\"data.items\") or true (the payload is the array)")
            }
            guard format == .json else { throw options.problem("option 'split' needs format = \"json\" (the format is \"\(format)\")") }
            guard !streamed else { throw options.problem("option 'split' needs mode = \"whole\" (a line is a record already)") }
            format.split = JSONSplit(dotted: path)
        }
        return format
    }

    /// `reconnect`, `reconnect_max`, `reconnect_attempts`.
    package static func reconnectOptions(first: String, _ doc: String) -> [ConnectorOption] {
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
    package static func reconnect(
        _ options: ScriptOptions, _ delay: inout Duration, _ cap: inout Duration, _ attempts: inout Int?
    ) throws {
        if let first = try options.duration("reconnect") { delay = first }
        if let maximum = try options.duration("reconnect_max") { cap = maximum }
        if let count = try options.integer("reconnect_attempts") { attempts = count == 0 ? nil : count }
        guard cap >= delay else {
            throw options.problem("option 'reconnect_max' (\(cap)) is shorter than 'reconnect' (\(delay))")
        }
    }

    package static func webURL(_ options: ScriptOptions, schemes: [String]) throws -> URL {
        let text = try options.requiredString("url")
        guard let url = URL(string: text), let scheme = url.scheme, schemes.contains(scheme.lowercased()), url.host != nil else {
            let list = schemes.map { "\($0)://" }.joined(separator: " or ")
            throw options.problem("option 'url' must be a \(list) URL, got \"\(redactedText(text))\"")
        }
        return url
    }

    /// A URL given as text, for an error message: without what could be a password or a key.
    package static func redactedText(_ text: String) -> String {
        guard let url = URL(string: text), url.scheme != nil else { return text.count > 80 ? String(text.prefix(80)) + "…" : text }
        return redacted(url)
    }

    /// The URL without credentials or query (which may carry keys).
    package static func redacted(_ url: URL) -> String {
        guard var parts = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return "?" }
        if parts.password != nil || parts.user != nil { parts.user = "***"; parts.password = nil }
        if parts.query != nil { parts.query = "..." }
        return parts.string ?? "?"
    }
}
