import CollectorStorage
import CollectorValues
import Collectors

/// PostgreSQL's way of writing a query's `SELECT` (see `SQLSelect`):
/// positional parameters (`$1`) in text form, JSON fields compared as
/// `jsonb` (numbers as numbers, `1 = 1.0`, never equal to strings; null
/// only to null), missing values first when ascending and last when
/// descending (as the memory backend sorts), rows in `id` order.
struct PostgresSelectDialect: SQLSelectDialect {
    /// What to bind, in parameter order.
    private(set) var parameters = PostgresParameters()

    let insertionOrder = "id"

    func direction(_ direction: QueryCriteria.SortDirection) -> String {
        direction == .descending ? "DESC NULLS LAST" : "ASC NULLS FIRST"
    }

    mutating func documentCondition(field: String, equals value: DataValue, backend: String) throws(ErrorInfo) -> String {
        _ = parameters.append(field)
        let key = placeholder
        do { try parameters.appendJSON(value) } catch {
            throw StorageErrors.invalid(backend: backend, operation: "query", "the filter on '\(field)' cannot be written as JSON: \(error)")
        }
        return "data -> \(key)::text = \(placeholder)::jsonb"
    }

    mutating func columnCondition(_ quoted: String, kind: Column.Kind, equals value: DataValue) -> String? {
        switch (kind, value) {
        case (.text, .string(let s)):
            guard parameters.append(s) else { return nil }
            return "\(quoted) = \(placeholder)"
        case (.integer, .integer(let i)), (.real, .integer(let i)):
            parameters.append(i)
            return "\(quoted) = \(placeholder)"
        case (.integer, .double(let d)), (.real, .double(let d)):
            guard d.isFinite || kind == .real else { return nil }
            parameters.append(d)
            return "\(quoted) = \(placeholder)::double precision"
        case (.boolean, .bool(let b)):
            _ = parameters.append(b ? "t" : "f")
            return "\(quoted) = \(placeholder)"
        default:
            return nil
        }
    }

    mutating func documentSortKey(field: String) -> String {
        _ = parameters.append(field)
        return "data -> \(placeholder)::text"
    }

    mutating func limitAndOffset(limit: Int?, offset: Int) -> String {
        if let limit { parameters.append(Int64(limit)) } else { parameters.appendNull() }
        let limitPlaceholder = placeholder
        parameters.append(Int64(offset))
        return " LIMIT \(limitPlaceholder)::bigint OFFSET \(placeholder)::bigint"
    }

    /// The placeholder of the last parameter appended.
    private var placeholder: String { "$\(parameters.count)" }
}
