import CollectorScripting
import CollectorSources
import Collectors

extension BuiltinConnectors {
    /// `source.file`: a file read once, to its end.
    public static var file: ConnectorDescription {
        .source(
            "file",
            summary: "A file, read once to its end (by lines or whole).",
            options: [
                ConnectorOption("path", .string, required: true, "the file to read (relative to the working directory)"),
                ConnectorOption("mode", .choice(["lines", "whole"]), default: "\"lines\"", "an item per line, or the whole file as one"),
                SourceOptionKit.formatOption(default: "jsonl", "how items are decoded (default `\"json\"` with `mode = \"whole\"`)"),
            ] + SourceOptionKit.csvOptions + [SourceOptionKit.splitOption]
        ) { options in
            let path = try options.requiredString("path")
            let mode = FileSource.Mode(rawValue: try options.choice("mode", ["lines", "whole"]) ?? "lines") ?? .lines
            let format = try SourceOptionKit.format(options, default: mode == .lines ? .jsonLines : .json, streamed: mode == .lines, splits: true)
            let id = options.id
            let source = FileSource(id: id, path: path, options: .init(mode: mode, format: format))
            return ConnectorInstance(source, description: "source.file(\(id), \(path), \(mode.rawValue), \(format))")
        }
    }
}
