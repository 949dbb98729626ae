import CollectorScripting
import CollectorSources
import Collectors

extension CoreConnectors {
    /// `source.follow`: a file (or every file a pattern matches) followed as it grows, across rotations.
    ///
    /// - Parameter decompression: how gzip files are read (`.zlib` of CollectorGzip); `.none` refuses them.
    public static func follow(decompression: Decompression = .none) -> ConnectorDescription {
        .source(
            "follow",
            summary: "A file, or every file a pattern matches, followed as it grows (like tail -F), across rotations and restarts.",
            options: [
                ConnectorOption(
                    "path", .string, required: true,
                    "the file to follow, or a pattern of files (`*`, `?`, `[abc]`, `**`), each followed with its own position, new ones picked up (see [sources/follow.md](sources/follow.md))"
                ),
                ConnectorOption(
                    "position_file", .string,
                    "where the position is kept across runs, by file identity (one entry per file with a pattern); saved once the lines before it are stored; a file rotated while the collector was stopped is finished from its rotated name beside it (`NAME.1`, `NAME-DATE`) first, and a loss is reported as a dead letter (see [sources/follow.md](sources/follow.md))"
                ),
                ConnectorOption("poll", .duration(atLeast: .milliseconds(1)), default: "\"250ms\"", "how often the file is looked at"),
                ConnectorOption("start", .choice(["beginning", "end"]), default: "\"beginning\"", "where a file without a saved position is read from"),
                SourceOptionKit.formatOption(default: "jsonl"),
            ] + SourceOptionKit.csvOptions + [MultilineOption.option]
        ) { options in
            let path = try options.requiredString("path")
            var settings = FollowFileSource.Options(format: try SourceOptionKit.format(options, default: .jsonLines, streamed: true))
            settings.positionFile = try options.string("position_file")
            if let poll = try options.duration("poll") { settings.pollInterval = poll }
            if let start = try options.choice("start", ["beginning", "end"]) { settings.startAt = .init(rawValue: start) ?? .beginning }
            settings.multiline = try MultilineOption.read(options)
            if settings.multiline != nil, settings.format == .csv {
                throw options.problem("option 'multiline' does not go with format = \"csv\" (a quoted field may span lines already)")
            }
            let id = options.id
            if FollowGlobSource.isPattern(path) {
                return ConnectorInstance(
                    FollowGlobSource(id: id, pattern: path, options: settings, decompression: decompression), description: "source.follow(\(id), \(path))")
            }
            return ConnectorInstance(FollowFileSource(id: id, path: path, options: settings), description: "source.follow(\(id), \(path))")
        }
    }
}
