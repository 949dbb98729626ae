/// One typed column of a table, fed from one field of each record.
///
///     // The benchmark's `readings` table:
///     let readings: [Column] = [
///         Column("sensor_id", .text, nullable: false),
///         Column("value", .real, nullable: false),
///         Column("unit", .text),
///         Column("ts", .integer, nullable: false),
///         Column("site", .text),
///         Column("severity", .text, nullable: false),
///         Column("tags", .json),
///     ]
public struct Column: Sendable, Hashable {
    /// What a column holds, and so which record values it accepts.
    public enum Kind: String, Sendable, Hashable {
        /// Strings. (SQLite `TEXT`, PostgreSQL `text`.)
        case text
        /// Integers only; a float is refused rather than truncated. (`INTEGER`, `bigint`.)
        case integer
        /// Floats; integers are accepted and stored as floats. (`REAL`, `double precision`.)
        case real
        /// Booleans. (SQLite `INTEGER` 0/1, PostgreSQL `boolean`.)
        case boolean
        /// Any value, stored as compact JSON text and decoded on the way back:
        /// how objects and arrays such as `tags` fit a column. (`TEXT`, `jsonb`.)
        case json
    }

    /// The column's name in the table (an identifier: letters, digits, `_`).
    public var name: String
    public var kind: Kind
    /// `false` adds `NOT NULL`: a record without the field (or with `null`) fails its batch.
    public var isNullable: Bool
    /// The record field the column is fed from; the column's name by default.
    public var field: String
    /// The SQL type to declare instead of the kind's default, e.g. `varchar(10)`.
    /// Letters, digits, spaces, `_`, parentheses and commas only.
    public var sqlType: String?

    public init(_ name: String, _ kind: Kind, nullable: Bool = true, field: String? = nil, sqlType: String? = nil) {
        self.name = name
        self.kind = kind
        self.isNullable = nullable
        self.field = field ?? name
        self.sqlType = sqlType
    }
}
