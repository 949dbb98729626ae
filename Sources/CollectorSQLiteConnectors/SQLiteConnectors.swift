import CollectorScripting

/// `storage.sqlite` and the SQLite spool of the pipelines; they link libsqlite3.
///
///     let bindings = try ScriptBindings(
///         installingIn: lua, scriptPath: path,
///         connectors: CoreConnectors.all + SQLiteConnectors.all, spool: SQLiteConnectors.spool)
public enum SQLiteConnectors {
    /// `storage.sqlite`.
    public static var all: [ConnectorDescription] { [sqlite] }
}
