import CollectorScripting
import CollectorSources
import Collectors

extension CoreConnectors {
    /// `source.command`: a program's standard output.
    public static var command: ConnectorDescription {
        .source(
            "command",
            summary: "A program's standard output, until it exits.",
            options: [
                ConnectorOption(
                    "command", .strings, required: true,
                    "the program, then its arguments, e.g. `{ \"tail\", \"-n\", \"5\", \"log\" }`"),
                ConnectorOption("cwd", .string, "the program's working directory"),
                ConnectorOption("env", .stringMap, default: "inherited", "the program's environment"),
                SourceOptionKit.formatOption(default: "jsonl"),
            ] + SourceOptionKit.csvOptions
        ) { options in
            guard let command = try options.strings("command"), let executable = command.first else {
                throw options.problem("option 'command' must name a program: { \"program\", \"argument\", ... }, got an empty list")
            }
            let settings = CommandSource.Options(
                format: try SourceOptionKit.format(options, default: .jsonLines, streamed: true), environment: try options.stringMap("env"),
                workingDirectory: try options.string("cwd"))
            let id = options.id
            let source = CommandSource(id: id, executable: executable, arguments: Array(command.dropFirst()), options: settings)
            return ConnectorInstance(source, description: "source.command(\(id), \(command.joined(separator: " ")))")
        }
    }
}
