import CollectorCoreConnectors
import CollectorScripting
import CollectorPostgres
import Collectors

extension PostgresConnectors {
    /// `storage.postgres`: a table in PostgreSQL.
    public static var postgres: ConnectorDescription {
        .storage(
            "postgres",
            summary: "A table in PostgreSQL (libpq): jsonb documents or typed columns; writes are idempotent.",
            options: [
                ConnectorOption(
                    "url", .string, default: "`DATABASE_URL`",
                    "`postgresql://user:password@host:port/db`; the password never shows in `tostring`, errors or logs"),
                ConnectorOption("table", .string, default: "\"records\"", "the table"),
                StorageLayout.layoutOption("`\"document\"`: a `jsonb` column; `\"readings\"`: typed columns, as for SQLite"),
                StorageLayout.columnsOption,
                ConnectorOption("connect_timeout", .duration(atLeast: .seconds(1)), default: "\"10s\"", "how long connecting may take"),
                ConnectorOption(
                    "batch_method", .choice(PostgresBatchMethod.allCases.map(\.rawValue)), default: "\"copy\"",
                    "`\"copy\"`: `COPY` into a temporary table, then `INSERT ... SELECT`; `\"insert\"`: multi-row `INSERT`s"),
                ConnectorOption("rows_per_statement", .integer(1...Int.max), default: "1000", "rows per `INSERT` with `\"insert\"`"),
                NaturalKeyOptions.keyOption,
                NaturalKeyOptions.onConflictOption,
            ]
        ) { options in
            let tableName = try options.string("table") ?? "records"
            let layout = try StorageLayout(options.reader, table: tableName, in: options.reader.lua)
            var settings = PostgresOptions(table: tableName, layout: layout.layout)
            settings.key = try NaturalKeyOptions.read(options)
            try layout.check(options.function) { () throws(ErrorInfo) in try settings.validate() }
            if let timeout = try options.duration("connect_timeout") {
                settings.connectTimeoutSeconds = max(1, Int(timeout.components.seconds))
            }
            if let method = try options.string("batch_method") {
                settings.batchMethod = PostgresBatchMethod(rawValue: method) ?? settings.batchMethod
            }
            if let rows = try options.integer("rows_per_statement") { settings.rowsPerStatement = rows }
            // The URL may come from the script (env("DATABASE_URL")) or, when absent, DATABASE_URL;
            // its password never shows in tostring, errors or logs.
            let backend: PostgresStorage
            do {
                backend = try PostgresStorage(
                    id: options.id, url: try options.string("url"), options: settings, environment: options.environment)
            } catch {
                throw options.problem(ErrorInfo(from: error, layer: .storage, operation: "configure").message)
            }
            return ConnectorInstance(
                backend, description: "storage.postgres(\(backend.redactedURL), table \(tableName), \(layout.description))")
        }
    }
}
