import CollectorScripting
import CollectorStorage
import Collectors
import LuaRuntime

/// How `storage.sqlite{}` and `storage.postgres{}` lay out their table: the
/// `layout` option (`"document"` or the `"readings"` preset) or a `columns`
/// list of the script's own, which makes a typed table:
///
///     columns = {
///       { "sensor_id", "text", required = true },
///       { "value", "real" },
///       { "ts", "integer", field = "timestamp" },
///       { "note", "text", sql_type = "varchar(40)" },
///     }
///
/// An entry is a table: the column's name and kind first (or `name =` and
/// `kind =`), then `required` (`NOT NULL`), `field` (the record field that
/// feeds the column, by default its name) and `sql_type` (a type to declare
/// instead of the kind's). A list, not a table by name, because the order
/// of the columns is the table's. Errors name the entry:
/// `storage.sqlite: columns[3]: unknown kind 'float' (kinds: ...)`.
package struct StorageLayout {
    package let layout: TableLayout
    /// For the backend's `tostring`: `document layout`, `readings layout`, `3 columns`.
    package let description: String
    /// Whether the script listed the columns (errors about one then name its entry).
    package let isScriptColumns: Bool

    package static let kinds = Column.Kind.allCases.map(\.rawValue)

    /// The `layout` option of an SQL backend.
    package static func layoutOption(_ doc: String) -> ConnectorOption {
        ConnectorOption("layout", .choice(["document", "readings"]), doc)
    }

    /// The `columns` option of an SQL backend.
    package static var columnsOption: ConnectorOption {
        ConnectorOption(
            "columns", .list(of: "columns ({ \(shape), ... })"), annotation: "collector.Column[]",
            "a typed table of the script's own, one column per entry, in order: `{ { \"name\", \"kind\", required = true, field = \"...\", sql_type = \"...\" }, ... }`; not with `layout` (see [Typed tables](#typed-tables-columns))"
        )
    }
    package static let keys = ["name", "kind", "required", "field", "sql_type"]
    private static let shape = #"{ "name", "kind", required = true, field = "...", sql_type = "..." }"#

    /// The layout the options choose; without `layout` or `columns`, the
    /// `readings` preset for a table named `readings`, else documents.
    package init(_ options: OptionReader, table: String, in lua: LuaState) throws {
        let function = options.function
        let choice = try options.choice("layout", ["document", "readings"])
        if let columns = try Self.columns(options, in: lua) {
            if let choice {
                throw LuaCallError(
                    choice == "document"
                        ? "\(function): layout = \"document\" stores each record as one JSON document and takes no 'columns' "
                            + "(leave layout out: 'columns' makes a typed table)"
                        : "\(function): layout = \"readings\" is a preset list of columns: give it or 'columns', not both")
            }
            layout = .columns(columns)
            description = columns.count == 1 ? "1 column" : "\(columns.count) columns"
            isScriptColumns = true
            return
        }
        let name = choice ?? (table == "readings" ? "readings" : "document")
        layout = name == "readings" ? .readings : .document
        description = "\(name) layout"
        isScriptColumns = false
    }

    /// Runs a backend's own checks of its options (such as `SQLiteOptions.validate`)
    /// now, so that a bad name or type is an error at the script's line
    /// rather than when the pipeline connects.
    package func check(_ function: String, _ validate: () throws(ErrorInfo) -> Void) throws {
        do {
            try validate()
        } catch {
            var prefix = ""
            if isScriptColumns, case .integer(let position)? = error.details["column_position"] {
                prefix = "columns[\(position)]: "
            }
            throw LuaCallError("\(function): \(prefix)\(error.message)")
        }
    }

    // MARK: reading `columns`

    private static func columns(_ options: OptionReader, in lua: LuaState) throws -> [Column]? {
        guard let value = options.value("columns") else { return nil }
        let function = options.function
        guard case .table(let table) = value else {
            throw LuaCallError("\(function): option 'columns' must be a list of columns ({ \(shape), ... }), got \(value.typeName)")
        }
        let entries = try lua.entries(of: table)
        guard !entries.isEmpty else {
            throw LuaCallError("\(function): option 'columns' is empty: list at least one column ({ \(shape) })")
        }
        var items = [LuaValue](repeating: .nil, count: entries.count)
        for (key, item) in entries {
            guard case .integer(let index) = key, index >= 1 else {
                throw LuaCallError(
                    "\(function): option 'columns' must be a list ({ { \"name\", \"kind\" }, ... }), got the key \(try describe(key, in: lua)): "
                        + "the columns' order is the table's, so they are listed, not named")
            }
            guard index <= entries.count else {
                throw LuaCallError("\(function): option 'columns' must be a list without holes, got columns[\(index)] after a nil")
            }
            items[Int(index) - 1] = item
        }
        return try items.enumerated().map { offset, item in
            try column(item, at: "\(function): columns[\(offset + 1)]", in: lua)
        }
    }

    /// One entry of `columns`; `at` starts its errors (`storage.sqlite: columns[2]`).
    private static func column(_ item: LuaValue, at: String, in lua: LuaState) throws -> Column {
        guard case .table(let table) = item else {
            throw LuaCallError("\(at): a column must be a table (\(shape)), got \(item.typeName)")
        }
        var values: [String: LuaValue] = [:]
        for (key, value) in try lua.entries(of: table) {
            let name: String
            switch key {
            case .integer(1): name = "name"
            case .integer(2): name = "kind"
            case .string(let text):
                guard keys.contains(text) else {
                    var message = "\(at): unknown key '\(text)'"
                    if let suggestion = Suggestion.closest(to: text, in: keys) { message += " (did you mean '\(suggestion)'?)" }
                    throw LuaCallError(message + "; keys are: " + keys.sorted().joined(separator: ", "))
                }
                name = text
            default:
                throw LuaCallError("\(at): unexpected key \(try describe(key, in: lua)): a column is \(shape)")
            }
            guard values.updateValue(value, forKey: name) == nil else {
                throw LuaCallError("\(at): the \(name) is given twice (first in the list, then as \(name) =)")
            }
        }
        func string(_ key: String) throws -> String? {
            guard let value = values[key] else { return nil }
            guard case .string(let text) = value else { throw LuaCallError("\(at): '\(key)' must be a string, got \(value.typeDescription)") }
            return text
        }
        guard let name = try string("name") else { throw LuaCallError("\(at): the column has no name (a column is \(shape))") }
        guard let kindName = try string("kind") else {
            throw LuaCallError("\(at): column '\(name)' has no kind (kinds: \(kinds.joined(separator: ", ")))")
        }
        guard let kind = Column.Kind(rawValue: kindName) else {
            var message = "\(at): unknown kind '\(kindName)' ("
            if let suggestion = Suggestion.closest(to: kindName, in: kinds) { message += "did you mean '\(suggestion)'? " }
            throw LuaCallError(message + "kinds: \(kinds.joined(separator: ", ")))")
        }
        var required = false
        if let value = values["required"] {
            guard case .boolean(let flag) = value else { throw LuaCallError("\(at): 'required' must be a boolean, got \(value.typeName)") }
            required = flag
        }
        let field = try string("field")
        if field?.isEmpty == true { throw LuaCallError("\(at): 'field' must name a record field, got \"\"") }
        return Column(name, kind, nullable: !required, field: field, sqlType: try string("sql_type"))
    }

    /// A table key for an error: a string quoted, anything else as Lua shows it.
    private static func describe(_ key: LuaValue, in lua: LuaState) throws -> String {
        if case .string(let text) = key { return "'\(text)'" }
        return try lua.describe(key)
    }
}
