import CollectorScripting
import CollectorStorage
import Collectors

extension CoreConnectors {
    /// `storage.memory`: records kept in memory.
    public static var memory: ConnectorDescription {
        .storage(
            "memory", summary: "Records kept in memory, for tests and one-off scripts.", options: []
        ) { options in
            ConnectorInstance(MemoryStorage(id: options.id), description: "storage.memory(\(options.id))")
        }
    }
}
