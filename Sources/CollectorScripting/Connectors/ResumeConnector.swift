import Collectors

/// How a script's pipelines get their resume store (the `resume` option of
/// `pipeline`): from a file path, or from a `postgresql://` URL. The
/// engine's is `BuiltinConnectors.resumeStore` of CollectorConnectors
/// (`SQLiteResumeStore`, `PostgresResumeStore`).
public struct ResumeConnector: Sendable {
    /// Makes the store at that path or URL; throws when a URL cannot be parsed.
    public let make: @Sendable (_ location: String) throws -> any ResumeStore

    public init(make: @escaping @Sendable (_ location: String) throws -> any ResumeStore) {
        self.make = make
    }

    /// Whether `location` names a PostgreSQL server rather than a file.
    public static func isURL(_ location: String) -> Bool {
        location.hasPrefix("postgresql://") || location.hasPrefix("postgres://")
    }
}
