import CollectorScripting
import CollectorStorage
import Collectors

extension CoreConnectors {
    /// `storage.null`: counts records and keeps nothing.
    public static var null: ConnectorDescription {
        .storage(
            "null",
            summary: "Keeps nothing: each record is encoded to JSON (one that cannot be fails here) and counted; for benchmarks and dry runs.",
            options: []
        ) { options in
            ConnectorInstance(NullStorage(id: options.id), description: "storage.null(\(options.id))")
        }
    }
}
