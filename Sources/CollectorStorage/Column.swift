import Collectors

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
    public enum Kind: String, Sendable, Hashable, CaseIterable {
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

extension Column {
    /// The checks both SQL backends make on a typed layout's columns before
    /// any SQL runs: at least one column; each name an identifier
    /// (`SQLIdentifier`), not one of the backend's own (`reserved`, lower
    /// case) and not listed twice (names compared without case, as SQLite
    /// compares them); each `sqlType` a valid type name (`SQLTypeName`).
    ///
    /// An error about one column has its position among `columns`, counted
    /// from 1, as `column_position` in its details, so a caller that wrote
    /// the list (a script) can say which entry is wrong.
    ///
    /// - Returns: the columns' identifiers, in order.
    package static func identifiers(
        of columns: [Column], reserved: Set<String>, reservedBecause: String
    ) throws(ErrorInfo) -> [SQLIdentifier] {
        guard !columns.isEmpty else {
            throw ErrorInfo(.configuration, layer: .storage, operation: "configure", message: "a typed layout needs at least one column")
        }
        var identifiers: [SQLIdentifier] = []
        var seen = Set<String>()
        for (offset, column) in columns.enumerated() {
            do throws(ErrorInfo) {
                let identifier = try SQLIdentifier(column.name, kind: "column")
                let lower = column.name.lowercased()
                guard !reserved.contains(lower) else {
                    throw ErrorInfo(
                        .configuration, layer: .storage, operation: "configure",
                        message: "column name '\(column.name)' is reserved (\(reservedBecause))")
                }
                guard seen.insert(lower).inserted else {
                    throw ErrorInfo(.configuration, layer: .storage, operation: "configure", message: "column '\(column.name)' is listed twice")
                }
                if let sqlType = column.sqlType { try SQLTypeName.validate(sqlType, column: column.name) }
                identifiers.append(identifier)
            } catch {
                var error = error
                error.details["column_position"] = .integer(Int64(offset + 1))
                throw error
            }
        }
        return identifiers
    }
}
