import CollectorScripting
import CollectorSources
import Collectors

extension CoreConnectors {
    /// `source.file`: a file (or the files a pattern matches) read once, to its end.
    ///
    /// - Parameter decompression: how gzip files are read (`.zlib` of CollectorGzip); `.none` refuses them.
    public static func file(decompression: Decompression = .none) -> ConnectorDescription {
        .source(
            "file",
            summary: "A file, or every file a pattern matches, read once to its end (by lines or whole); gzip files are inflated.",
            options: [
                ConnectorOption(
                    "path", .string, required: true,
                    "the file to read (relative to the working directory), or a pattern of files (`*`, `?`, `[abc]`, `**`), read in name order"
                ),
                ConnectorOption("mode", .choice(["lines", "whole"]), default: "\"lines\"", "an item per line, or the whole file as one"),
                SourceOptionKit.formatOption(default: "jsonl", "how items are decoded (default `\"json\"` with `mode = \"whole\"`)"),
            ] + SourceOptionKit.csvOptions + [SourceOptionKit.splitOption, MultilineOption.option]
        ) { options in
            let path = try options.requiredString("path")
            let mode = FileSource.Mode(rawValue: try options.choice("mode", ["lines", "whole"]) ?? "lines") ?? .lines
            let format = try SourceOptionKit.format(options, default: mode == .lines ? .jsonLines : .json, streamed: mode == .lines, splits: true)
            let multiline = try MultilineOption.read(options)
            if multiline != nil, mode == .whole { throw options.problem("option 'multiline' needs mode = \"lines\"") }
            if multiline != nil, format == .csv { throw options.problem("option 'multiline' does not go with format = \"csv\" (a quoted field may span lines already)") }
            let id = options.id
            let source = FileSource(id: id, path: path, options: .init(mode: mode, format: format, multiline: multiline), decompression: decompression)
            return ConnectorInstance(source, description: "source.file(\(id), \(path), \(mode.rawValue), \(format))")
        }
    }
}
