/// How an SQL backend lays records out in its table.
public enum TableLayout: Sendable, Hashable {
    /// One row per record: a location id, the time it was stored, and the
    /// whole record as JSON (`TEXT` in SQLite, `jsonb` in PostgreSQL).
    /// Any record fits; queries reach into the JSON.
    case document
    /// One column per listed field, each typed (see `Column`). Records must be
    /// objects; fields without a column are not stored. The table can be the
    /// benchmark's `readings` table, or any table with these columns.
    case columns([Column])
}

extension TableLayout {
    /// The typed columns of the benchmark's `readings` table (see `shared/bench/README.md`).
    public static var readings: TableLayout {
        .columns([
            Column("sensor_id", .text, nullable: false),
            Column("value", .real, nullable: false),
            Column("unit", .text),
            Column("ts", .integer, nullable: false),
            Column("site", .text),
            Column("severity", .text, nullable: false),
            Column("tags", .json),
        ])
    }
}
