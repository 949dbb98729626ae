import CollectorCoreConnectors
import CollectorScripting
import CollectorSQLite
import Collectors

extension SQLiteConnectors {
    /// `storage.sqlite`: a table in an SQLite file.
    public static var sqlite: ConnectorDescription {
        .storage(
            "sqlite",
            summary: "A table in an SQLite file: JSON documents or typed columns.",
            options: [
                ConnectorOption("path", .string, required: true, "the database file"),
                ConnectorOption("table", .string, default: "\"records\"", "the table"),
                StorageLayout.layoutOption(
                    "`\"document\"`: one JSON document per row; `\"readings\"`: the typed columns of the canonical workload's `readings` table; default `\"readings\"` when `table = \"readings\"`, else `\"document\"`"
                ),
                StorageLayout.columnsOption,
                ConnectorOption("max_size", .size(4096...Int.max), "a cap on the file's size"),
                ConnectorOption(
                    "record_ids", .boolean, default: "true",
                    "a record is stored once however often it comes (replayed from the spool, a followed file's line read again after a crash; see [operations.md](operations.md#storing-a-record-once-record-ids)). In a typed table they cost a 16-byte column and a unique index (see [performance.md](performance.md#what-record-ids-cost)); `false` leaves them out, for a load into a fresh file that is never replayed (with a spool, the script logs a warning)"
                ),
                NaturalKeyOptions.keyOption,
                NaturalKeyOptions.onConflictOption,
            ],
            idDefault: "\"sqlite:PATH\"",
            idBase: { "sqlite:\(try $0.requiredString("path"))" }
        ) { options in
            let path = try options.requiredString("path")
            let tableName = try options.string("table") ?? "records"
            let layout = try StorageLayout(options.reader, table: tableName, in: options.reader.lua)
            var settings = SQLiteOptions(table: tableName, layout: layout.layout)
            if let maxSize = try options.size("max_size") { settings.maxPageCount = maxSize / 4096 }
            if let recordIDs = try options.boolean("record_ids") { settings.recordIDs = recordIDs }
            settings.key = try NaturalKeyOptions.read(options)
            try layout.check(options.function) { () throws(ErrorInfo) in try settings.validate() }
            return ConnectorInstance(
                SQLiteStorage(id: options.id, path: path, options: settings),
                description: "storage.sqlite(\(path), table \(tableName), \(layout.description))")
        }
    }
}
