import CollectorStorage
import CollectorValues
import Collectors

/// SQLite's way of writing a query's `SELECT` (see `SQLSelect`): numbered
/// parameters (`?1`), JSON fields through `json_type`/`json_extract`
/// (numbers equal whatever their type, never equal to text), booleans as 0
/// and 1, rows in `rowid` order.
struct SQLiteSelectDialect: SQLSelectDialect {
    /// What to bind, in parameter order.
    private(set) var parameters: [DataValue] = []

    let insertionOrder = "rowid"

    func direction(_ direction: QueryCriteria.SortDirection) -> String {
        direction == .descending ? "DESC" : "ASC"
    }

    mutating func documentCondition(field: String, equals value: DataValue, backend: String) throws(ErrorInfo) -> String {
        let path = parameter(.string(SQLiteTable.jsonPath(field)))
        switch value {
        case .null: return "json_type(data, \(path)) = 'null'"
        case .bool(let b): return "json_type(data, \(path)) = '\(b ? "true" : "false")'"
        case .integer, .double: return "json_type(data, \(path)) IN ('integer', 'real') AND json_extract(data, \(path)) = \(parameter(value))"
        default: return "json_type(data, \(path)) = 'text' AND json_extract(data, \(path)) = \(parameter(value))"
        }
    }

    mutating func columnCondition(_ quoted: String, kind: Column.Kind, equals value: DataValue) -> String? {
        switch (kind, value) {
        case (.text, .string), (.text, .bytes), (.integer, .integer), (.integer, .double), (.real, .integer), (.real, .double):
            return "\(quoted) = \(parameter(value))"
        case (.boolean, .bool(let b)):
            return "\(quoted) = \(parameter(.integer(b ? 1 : 0)))"
        default:
            return nil
        }
    }

    mutating func documentSortKey(field: String) -> String {
        "json_extract(data, \(parameter(.string(SQLiteTable.jsonPath(field)))))"
    }

    mutating func limitAndOffset(limit: Int?, offset: Int) -> String {
        " LIMIT \(parameter(.integer(Int64(limit ?? -1)))) OFFSET \(parameter(.integer(Int64(offset))))"
    }

    private mutating func parameter(_ value: DataValue) -> String {
        parameters.append(value)
        return "?\(parameters.count)"
    }
}
