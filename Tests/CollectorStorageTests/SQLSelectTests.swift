import CollectorStorage
import CollectorValues
import Collectors
import Testing

/// Writes conditions as `field=value`, binds nothing, and finds integers never equal to text columns.
private struct PlainDialect: SQLSelectDialect {
    let insertionOrder = "seq"
    func direction(_ direction: QueryCriteria.SortDirection) -> String { direction == .descending ? "DOWN" : "UP" }
    mutating func documentCondition(field: String, equals value: DataValue, backend: String) throws(ErrorInfo) -> String {
        "doc.\(field)=\(value)"
    }
    mutating func columnCondition(_ quoted: String, kind: Column.Kind, equals value: DataValue) -> String? {
        if kind == .text, case .integer = value { return nil }
        return "\(quoted)=\(value)"
    }
    mutating func documentSortKey(field: String) -> String { "doc.\(field)" }
    mutating func limitAndOffset(limit: Int?, offset: Int) -> String { " LIMIT \(limit ?? -1) OFFSET \(offset)" }
}

@Suite("SQL SELECT of a query")
struct SQLSelectTests {
    let table = try! SQLIdentifier("t", kind: "table")
    var columns: [(column: Column, identifier: SQLIdentifier)] {
        [("name", Column.Kind.text), ("doc", .json)].map { name, kind in
            (Column(name, kind), try! SQLIdentifier(name, kind: "column"))
        }
    }

    @Test func filtersSortAndPagesInOneShapeForEveryDialect() throws {
        var dialect = PlainDialect()
        let criteria = QueryCriteria(filters: ["name": "a", "doc": .null], sortBy: "name", sortDirection: .descending, limit: 5, offset: 2)
        let sql = try #require(try SQLSelect.build(criteria, table: table, columns: columns, backend: "b", dialect: &dialect))
        #expect(sql.hasPrefix(#"SELECT "name", "doc" FROM "t" WHERE "#))
        #expect(sql.contains(#""name"="#) && sql.contains(#""doc" IS NULL"#), "\(sql)")
        #expect(sql.hasSuffix(#" ORDER BY "name" DOWN, seq LIMIT 5 OFFSET 2"#))
        var document = PlainDialect()
        let whole = try SQLSelect.build(QueryCriteria(sortBy: "x"), table: table, columns: [], backend: "b", dialect: &document)
        #expect(whole == #"SELECT data FROM "t" ORDER BY doc.x UP, seq LIMIT -1 OFFSET 0"#)
    }

    @Test func aFilterThatCannotMatchGivesNoQueryAndBadFieldsAreErrors() throws {
        var dialect = PlainDialect()
        #expect(try SQLSelect.build(QueryCriteria(filters: ["name": 3]), table: table, columns: columns, backend: "b", dialect: &dialect) == nil)
        #expect(throws: ErrorInfo.self) {
            try SQLSelect.build(QueryCriteria(filters: ["doc": "x"]), table: table, columns: columns, backend: "b", dialect: &dialect)
        }
        #expect(throws: ErrorInfo.self) {
            try SQLSelect.build(QueryCriteria(sortBy: "nope"), table: table, columns: columns, backend: "b", dialect: &dialect)
        }
    }
}
