import CollectorScripting
import CollectorSources
import Collectors

extension CoreConnectors {
    /// `source.stdin`: the collector's standard input.
    public static var stdin: ConnectorDescription {
        .source(
            "stdin",
            summary: "The collector's standard input, until it ends.",
            options: [SourceOptionKit.formatOption(default: "jsonl")] + SourceOptionKit.csvOptions
        ) { options in
            let id = options.id
            let source = StdinSource(id: id, options: .init(format: try SourceOptionKit.format(options, default: .jsonLines, streamed: true)))
            return ConnectorInstance(source, description: "source.stdin(\(id))")
        }
    }
}
