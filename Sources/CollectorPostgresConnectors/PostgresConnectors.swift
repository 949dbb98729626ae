import CollectorScripting

/// `storage.postgres`; it links libpq.
public enum PostgresConnectors {
    /// `storage.postgres`.
    public static var all: [ConnectorDescription] { [postgres] }
}
