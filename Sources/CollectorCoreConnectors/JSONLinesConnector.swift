import CollectorScripting
import CollectorStorage
import Collectors

extension CoreConnectors {
    /// `storage.jsonl`: a file of JSON lines.
    public static var jsonl: ConnectorDescription {
        .storage(
            "jsonl",
            summary: "A file records are appended to, one JSON document per line, with rotation.",
            options: [
                ConnectorOption("path", .string, required: true, "the file"),
                ConnectorOption("sync", .choice(["batch", "record", "never"]), default: "\"batch\"", "when to fsync"),
                ConnectorOption("max_file_size", .size(1...Int.max), "rotate past this size"),
                ConnectorOption("max_files", .integer(0...100_000), "rotated files kept"),
            ],
            idDefault: "\"jsonl:PATH\"",
            idBase: { "jsonl:\(try $0.requiredString("path"))" }
        ) { options in
            let path = try options.requiredString("path")
            var settings = JSONLinesOptions()
            if let sync = try options.string("sync") {
                settings.sync = sync == "never" ? .never : (sync == "record" ? .everyRecord : .everyBatch)
            }
            settings.maxFileSize = try options.size("max_file_size")
            settings.maxRotatedFiles = try options.integer("max_files")
            return ConnectorInstance(JSONLinesStorage(id: options.id, path: path, options: settings), description: "storage.jsonl(\(path))")
        }
    }
}
