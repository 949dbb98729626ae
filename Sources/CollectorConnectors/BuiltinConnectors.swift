import CollectorCoreConnectors
import CollectorGzip
import CollectorHTTPConnectors
import CollectorKafkaConnectors
import CollectorMQTTConnectors
import CollectorPostgresConnectors
import CollectorSQLiteConnectors
import CollectorScripting

/// Every connector family of the engine assembled, as the `collector`
/// program installs them (gzip files read with zlib), with the SQLite spool
/// for the pipelines' spools:
///
///     let bindings = try ScriptBindings(
///         installingIn: lua, scriptPath: path,
///         connectors: BuiltinConnectors.all, spool: BuiltinConnectors.sqliteSpool)
///
/// A program that wants fewer C libraries picks families itself (see
/// docs/embedding.md): `CoreConnectors`, `HTTPConnectors`, `SQLiteConnectors`,
/// `PostgresConnectors`, `MQTTConnectors`, `KafkaConnectors`.
public enum BuiltinConnectors {
    /// All of them, in the order of the docs' tables.
    public static var all: [ConnectorDescription] {
        let core = CoreConnectors.self
        return core.sources(decompression: .zlib) + [HTTPConnectors.http, HTTPConnectors.sse, HTTPConnectors.websocket]
            + [SQLiteConnectors.sqlite, core.jsonl, core.memory, PostgresConnectors.postgres, core.null, core.console]
            + [HTTPConnectors.httpStorage] + MQTTConnectors.all + KafkaConnectors.all
    }

    /// The pipelines' spool: an SQLite file.
    public static var sqliteSpool: SpoolConnector { SQLiteConnectors.spool }
}
