import CollectorValues
import Collectors

/// What differs between SQL backends in the `SELECT` of a query (see
/// `SQLSelect`): how a condition or a sort key is written, and the
/// parameters bound for them (a dialect keeps its own list, in its own
/// form, and returns the placeholders it appended).
package protocol SQLSelectDialect {
    /// The column that keeps rows in insertion order (`rowid`, `id`): the last sort key.
    var insertionOrder: String { get }
    /// `ASC` or `DESC`, with where missing values go.
    func direction(_ direction: QueryCriteria.SortDirection) -> String
    /// A condition on a top-level field of the document layout's JSON `data`.
    mutating func documentCondition(field: String, equals value: DataValue, backend: String) throws(ErrorInfo) -> String
    /// A condition on a typed column (`quoted`, of `kind`; never `.json`, and
    /// `value` is never null); `nil` when it can never match (a value of
    /// another type than the column holds).
    mutating func columnCondition(_ quoted: String, kind: Column.Kind, equals value: DataValue) -> String?
    /// The sort key of a top-level field of the document layout.
    mutating func documentSortKey(field: String) -> String
    /// ` LIMIT ... OFFSET ...` (with its leading space); no limit when `limit` is nil.
    mutating func limitAndOffset(limit: Int?, offset: Int) -> String
}
