import CollectorValues
import Collectors

/// The `SELECT` of a `QueryCriteria`, for the SQL backends: equality
/// filters (all must match), a sort key then insertion order, a limit and
/// an offset. What the backends write differently is their `SQLSelectDialect`.
package enum SQLSelect {
    /// The statement for `criteria` on table `name`: the document layout
    /// (`columns` empty, `data` holds the record) or typed columns. `nil`
    /// when a filter can never match.
    /// - Throws: for a field with no column, or a filter on a JSON column.
    package static func build<Dialect: SQLSelectDialect>(
        _ criteria: QueryCriteria, table name: SQLIdentifier, columns: [(column: Column, identifier: SQLIdentifier)],
        backend: String, dialect: inout Dialect
    ) throws(ErrorInfo) -> String? {
        let isDocument = columns.isEmpty
        func column(forField field: String) throws(ErrorInfo) -> (column: Column, identifier: SQLIdentifier) {
            guard let typed = columns.first(where: { $0.column.field == field }) else {
                throw StorageErrors.invalid(
                    backend: backend, operation: "query", "table \(name.quoted) has no column for field '\(field)'",
                    details: ["field": .string(field)])
            }
            return typed
        }
        var conditions: [String] = []
        for (field, value) in criteria.filters {
            if isDocument {
                conditions.append(try dialect.documentCondition(field: field, equals: value, backend: backend))
                continue
            }
            let typed = try column(forField: field)
            let quoted = typed.identifier.quoted
            if value == .null {
                conditions.append("\(quoted) IS NULL")
                continue
            }
            if typed.column.kind == .json {
                throw StorageErrors.invalid(
                    backend: backend, operation: "query",
                    "field '\(field)' is stored as JSON: filters on JSON columns are not supported",
                    details: ["field": .string(field)])
            }
            guard let condition = dialect.columnCondition(quoted, kind: typed.column.kind, equals: value) else { return nil }
            conditions.append(condition)
        }
        let selection = isDocument ? "data" : columns.map(\.identifier.quoted).joined(separator: ", ")
        var sql = "SELECT \(selection) FROM \(name.quoted)"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        if let sortBy = criteria.sortBy {
            let key = isDocument ? dialect.documentSortKey(field: sortBy) : try column(forField: sortBy).identifier.quoted
            sql += " ORDER BY \(key) \(dialect.direction(criteria.sortDirection)), \(dialect.insertionOrder)"
        } else {
            sql += " ORDER BY \(dialect.insertionOrder)"
        }
        sql += dialect.limitAndOffset(limit: criteria.limit, offset: criteria.offset)
        return sql
    }
}
