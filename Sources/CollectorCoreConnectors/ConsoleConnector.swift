import CollectorScripting
import CollectorStorage
import Collectors

extension CoreConnectors {
    /// `storage.console`: records to standard output.
    public static var console: ConnectorDescription {
        .storage(
            "console",
            summary: "Records to standard output (or standard error) as JSON lines, pretty JSON or logfmt; never synced, for a pipe or a terminal (see [storage/console.md](storage/console.md)).",
            options: [
                ConnectorOption(
                    "format", .choice(ConsoleOptions.Format.allCases.map(\.rawValue)), default: "\"json\"",
                    "`\"json\"`: a line of compact JSON per record; `\"pretty\"`: indented JSON; `\"logfmt\"`: a line of `key=value` pairs"),
                ConnectorOption(
                    "stream", .choice(ConsoleOptions.Stream.allCases.map(\.rawValue)), default: "\"stdout\"", "where the records go"),
            ]
        ) { options in
            var settings = ConsoleOptions()
            if let format = try options.string("format") { settings.format = ConsoleOptions.Format(rawValue: format) ?? .json }
            if let stream = try options.string("stream") { settings.stream = ConsoleOptions.Stream(rawValue: stream) ?? .stdout }
            let id = options.id
            return ConnectorInstance(
                ConsoleStorage(id: id, options: settings),
                description: "storage.console(\(id), \(settings.format.rawValue) to \(settings.stream.rawValue))")
        }
    }
}
