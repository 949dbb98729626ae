import CollectorStorage
import Collectors

extension BuiltinConnectors {
    /// `storage.memory`: records kept in memory.
    static var memory: ConnectorDescription {
        .storage(
            "memory", summary: "Records kept in memory, for tests and one-off scripts.", options: []
        ) { options in
            ConnectorInstance(MemoryStorage(id: options.id), description: "storage.memory(\(options.id))")
        }
    }
}
