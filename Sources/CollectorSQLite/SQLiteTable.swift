import CSQLite
import CollectorStorage
import Collectors
import CollectorValues

/// The table of a `SQLiteStorage`: its SQL texts, and how records become rows
/// and rows records, in either layout.
///
/// Identifiers are validated when the table is made and always quoted; every
/// value (including JSON paths and limits) is a bound parameter.
struct SQLiteTable {
    struct TypedColumn {
        let column: Column
        let identifier: SQLIdentifier
    }

    /// The typed layout's column of record ids (16 bytes, unique; NULL for
    /// rows stored without an id). The document layout keeps ids in `location_id`.
    static let recordIDColumn = "record_id"

    let name: SQLIdentifier
    /// Empty for the document layout.
    let columns: [TypedColumn]
    let isDocument: Bool
    let createSQL: String
    /// The unique index on `record_id` (typed layout), made after `createSQL` and any migration.
    let recordIndexSQL: String?
    /// The insert; with record ids, one that skips a row whose id is already stored.
    let insertSQL: String
    let deleteSQL: String
    /// Reads the columns' fields of a record carried as JSON text (typed layout).
    let picker: JSONFieldPicker
    /// The columns' kinds and fields, apart: what binding reads for every row.
    let kinds: [Column.Kind]
    let fields: [String]
    /// The natural key, if any (`SQLiteOptions.key`), naming record fields (a
    /// typed table's key may name a column; it is kept as the column's field).
    private(set) var key: NaturalKey?
    /// The key's unique index, made after the table; its name is `keyIndexName`.
    private(set) var keyIndexSQL: String?
    private(set) var keyIndexName: String?
    /// Which columns are the key's (typed layout; empty without a key).
    private(set) var isKeyColumn: [Bool] = []
    /// Reads the key's fields of a record carried as JSON text (document layout).
    private(set) var keyPicker: JSONFieldPicker?

    init(options: SQLiteOptions) throws(ErrorInfo) {
        name = try SQLIdentifier(options.table, kind: "table")
        key = options.key
        try key?.validate()
        switch options.layout {
        case .document:
            isDocument = true
            columns = []
            kinds = []
            fields = []
            picker = JSONFieldPicker([])
            createSQL = """
                CREATE TABLE IF NOT EXISTS \(name.quoted) (\
                location_id TEXT PRIMARY KEY NOT NULL, created_at INTEGER NOT NULL, data TEXT NOT NULL)
                """
            recordIndexSQL = nil
            var insert = """
                INSERT INTO \(name.quoted) (location_id, created_at, data) VALUES (?1, ?2, ?3) \
                ON CONFLICT (location_id) DO NOTHING
                """
            if let key = options.key {
                // An expression index on the fields' JSON values (typed: 1 and "1" differ).
                let target = key.fields.map { "json_extract(data, '\(Self.jsonPath($0))')" }.joined(separator: ", ")
                (keyIndexSQL, keyIndexName) = Self.keyIndex(table: options.table, quoted: name.quoted, target: target)
                insert += Self.upsert(key, target: target, updating: ["created_at", "data"])
                keyPicker = JSONFieldPicker(key.fields)
            }
            insertSQL = insert
            deleteSQL = "DELETE FROM \(name.quoted) WHERE location_id = ?1"
        case .columns(let list):
            isDocument = false
            let identifiers = try Column.identifiers(
                of: list, reserved: [Self.recordIDColumn], reservedBecause: "the backend keeps record ids in it")
            let typed = zip(list, identifiers).map { TypedColumn(column: $0, identifier: $1) }
            columns = typed
            kinds = typed.map(\.column.kind)
            fields = typed.map(\.column.field)
            picker = JSONFieldPicker(fields)
            let definitions = typed.map { "\($0.identifier.quoted) \(Self.sqlType(of: $0.column))\($0.column.isNullable ? "" : " NOT NULL")" }
            let names = typed.map(\.identifier.quoted).joined(separator: ", ")
            var upsert = ""
            if let key = options.key {
                let positions = try key.positions(in: list)
                // A key entry may name a column: records are read by the columns' fields.
                self.key?.fields = positions.map { list[$0].field }
                let isKey = typed.indices.map { positions.contains($0) }
                isKeyColumn = isKey
                let target = positions.map { typed[$0].identifier.quoted }.joined(separator: ", ")
                (keyIndexSQL, keyIndexName) = Self.keyIndex(table: options.table, quoted: name.quoted, target: target)
                let others = typed.indices.filter { !isKey[$0] }.map { typed[$0].identifier.quoted }
                upsert = Self.upsert(key, target: target, updating: others)
            }
            guard options.recordIDs else {
                createSQL = "CREATE TABLE IF NOT EXISTS \(name.quoted) (\(definitions.joined(separator: ", ")))"
                recordIndexSQL = nil
                let placeholders = (1...typed.count).map { "?\($0)" }.joined(separator: ", ")
                insertSQL = "INSERT INTO \(name.quoted) (\(names)) VALUES (\(placeholders))" + upsert
                deleteSQL = "DELETE FROM \(name.quoted) WHERE rowid = ?1"
                return
            }
            let recordID = Self.recordIDColumn
            createSQL = "CREATE TABLE IF NOT EXISTS \(name.quoted) (\(definitions.joined(separator: ", ")), \(recordID) BLOB)"
            // A unique index, not a column constraint: a table made before ids
            // gets the column with ALTER TABLE, which cannot add a constraint.
            // The table's name was validated (letters, digits, _): quoting it with a suffix is safe.
            // Partial: rows stored without an id (`store(batch:)`) cost no index entry.
            recordIndexSQL = """
                CREATE UNIQUE INDEX IF NOT EXISTS "\(options.table)_\(recordID)" ON \(name.quoted) (\(recordID)) \
                WHERE \(recordID) IS NOT NULL
                """
            let placeholders = (1...typed.count + 1).map { "?\($0)" }.joined(separator: ", ")
            insertSQL = """
                INSERT INTO \(name.quoted) (\(names), \(recordID)) VALUES (\(placeholders)) \
                ON CONFLICT (\(recordID)) WHERE \(recordID) IS NOT NULL DO NOTHING
                """ + upsert
            deleteSQL = "DELETE FROM \(name.quoted) WHERE rowid = ?1"
        }
    }

    /// The key's unique index on `target` (columns or expressions) and its name.
    private static func keyIndex(table: String, quoted: String, target: String) -> (sql: String, name: String) {
        let index = NaturalKey.indexName(table: table, covering: target)
        // The table's name was validated (letters, digits, _): quoting the index's name is safe.
        return ("CREATE UNIQUE INDEX IF NOT EXISTS \"\(index)\" ON \(quoted) (\(target))", index)
    }

    /// The upsert clause after the insert's own: `DO UPDATE SET` the columns
    /// that are not the key (nothing to update: `DO NOTHING`), or `DO NOTHING`.
    private static func upsert(_ key: NaturalKey, target: String, updating columns: [String]) -> String {
        guard key.onConflict == .update, !columns.isEmpty else { return " ON CONFLICT (\(target)) DO NOTHING" }
        return " ON CONFLICT (\(target)) DO UPDATE SET " + columns.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
    }

    /// The first key field a record lacks (or holds null in); nil when it
    /// has them all or the table has no key. A record carried as text is
    /// read without decoding it when the text is compact.
    func missingKeyField(_ record: Record, ranges: inout [Range<Int>?]) -> String? {
        guard let key else { return nil }
        if let keyPicker, let text = record.jsonText {
            let scanned = text.withUnsafeBufferPointer { p -> String?? in
                guard p.first == UInt8(ascii: "{"), keyPicker.ranges(fromCompact: p, into: &ranges) else { return .none }
                for (position, range) in ranges.enumerated() {
                    guard let range, p[range.lowerBound] != UInt8(ascii: "n") else { return .some(key.fields[position]) }
                }
                return .some(nil)
            }
            if let scanned { return scanned }
        }
        return key.missingField(in: record.value)
    }

    static func sqlType(of column: Column) -> String {
        if let sqlType = column.sqlType { return sqlType }
        switch column.kind {
        case .text, .json: return "TEXT"
        case .integer, .boolean: return "INTEGER"
        case .real: return "REAL"
        }
    }

    // MARK: records to rows

    /// Buffers a batch's rows reuse, kept by the caller: JSON text of a
    /// value being bound, where the columns' fields are in a record's text,
    /// and where each column's field was in the last record's object.
    struct BindScratch {
        var json: [UInt8] = []
        var ranges: [Range<Int>?] = []
        var positions: [Int] = []
    }

    /// Binds one record to the insert statement (typed layout).
    func bindColumns(
        of record: DataValue, index: Int, to statement: SQLiteStatement, scratch: inout BindScratch, backend: String
    ) throws(ErrorInfo) {
        guard case .object(let object) = record else {
            throw StorageErrors.invalid(
                backend: backend, operation: "store",
                "record \(index) is \(record.typeName == "array" ? "an array" : "a \(record.typeName)"), but a typed table stores objects",
                details: ["record_index": .integer(Int64(index))])
        }
        if let key, let field = key.missingField(in: record) { throw key.missing(field, index: index, backend: backend) }
        if scratch.positions.count != columns.count { scratch.positions = Array(repeating: 0, count: columns.count) }
        for position in columns.indices {
            // The records of a batch mostly share their fields' order: look where the last one had it first.
            let field = fields[position]
            let guess = scratch.positions[position]
            let value: DataValue
            if guess < object.count, object[guess].key == field {
                value = object[guess].value
            } else if let found = object.index(forKey: field) {
                scratch.positions[position] = found
                value = object[found].value
            } else {
                value = .null
            }
            try bind(value, column: position, index: index, to: statement, json: &scratch.json, backend: backend)
        }
    }

    /// Binds one record to the insert statement (typed layout): one carried
    /// as text straight from its bytes (`bindCompact`), or else by its value.
    func bindColumns(
        of record: Record, index: Int, to statement: SQLiteStatement, scratch: inout BindScratch, backend: String
    ) throws(ErrorInfo) {
        if let text = record.jsonText, try bindCompact(text, to: statement, ranges: &scratch.ranges) { return }
        try bindColumns(of: record.value, index: index, to: statement, scratch: &scratch, backend: backend)
    }

    /// Binds a record carried as compact JSON text straight from its bytes,
    /// building no value: what Lua processors write. Strings without escapes
    /// bind their bytes, numbers are read in place, a JSON column takes a
    /// nested value's text. False when a field needs more (an escape, a
    /// value of another type than its column, text not as expected): the
    /// caller then binds the record by its value, which reports what is wrong.
    private func bindCompact(_ text: ArraySlice<UInt8>, to statement: SQLiteStatement, ranges: inout [Range<Int>?]) throws(ErrorInfo) -> Bool {
        try text.withUnsafeBufferPointer { (p) throws(ErrorInfo) -> Bool in
            guard p.first == UInt8(ascii: "{"), picker.ranges(fromCompact: p, into: &ranges) else { return false }
            for position in columns.indices {
                let parameter = Int32(position + 1)
                // A key column without its value: the caller binds by value, which refuses the record.
                guard let range = ranges[position] else {
                    if !isKeyColumn.isEmpty, isKeyColumn[position] { return false }
                    try statement.bindNull(parameter)
                    continue
                }
                let field = UnsafeBufferPointer(rebasing: p[range])
                let first = field[0]
                if first == UInt8(ascii: "n") {
                    if !isKeyColumn.isEmpty, isKeyColumn[position] { return false }
                    try statement.bindNull(parameter)
                    continue
                }
                switch kinds[position] {
                case .text:
                    guard first == UInt8(ascii: "\""), field.count >= 2 else { return false }
                    let body = UnsafeBufferPointer(rebasing: field[1..<(field.count - 1)])
                    guard !body.contains(UInt8(ascii: "\\")) else { return false }
                    try statement.bind(text: body, at: parameter)
                case .integer:
                    guard case .integer(let i)? = JSONFieldPicker.number(ofCompact: field) else { return false }
                    try statement.bind(i, at: parameter)
                case .real:
                    switch JSONFieldPicker.number(ofCompact: field) {
                    case .double(let d)?: try statement.bind(d, at: parameter)
                    case .integer(let i)?: try statement.bind(Double(i), at: parameter)
                    default: return false
                    }
                case .boolean:
                    guard first == UInt8(ascii: "t") || first == UInt8(ascii: "f") else { return false }
                    try statement.bind(Int64(first == UInt8(ascii: "t") ? 1 : 0), at: parameter)
                case .json:
                    guard first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else { return false }
                    try statement.bind(text: field, at: parameter)
                }
            }
            return true
        }
    }

    /// Binds one field's value (`.null` when missing) to its column's parameter.
    private func bind(
        _ value: DataValue, column position: Int, index: Int, to statement: SQLiteStatement, json: inout [UInt8], backend: String
    ) throws(ErrorInfo) {
        let parameter = Int32(position + 1)
        switch (kinds[position], value) {
        case (_, .null): try statement.bindNull(parameter)
        case (.text, .string(let s)): try statement.bind(s, at: parameter)
        case (.text, .bytes(let b)): try statement.bind(bytes: b[...], asText: false, at: parameter)
        case (.integer, .integer(let i)): try statement.bind(i, at: parameter)
        case (.real, .double(let d)): try statement.bind(d, at: parameter)
        case (.real, .integer(let i)): try statement.bind(Double(i), at: parameter)
        case (.boolean, .bool(let b)): try statement.bind(Int64(b ? 1 : 0), at: parameter)
        case (.json, _):
            json.removeAll(keepingCapacity: true)
            do {
                try RecordJSON.append(value, to: &json)
            } catch {
                throw StorageErrors.invalid(
                    backend: backend, operation: "store",
                    "record \(index): field '\(fields[position])' cannot be written as JSON: \(error)",
                    details: ["record_index": .integer(Int64(index)), "field": .string(fields[position])])
            }
            try statement.bind(bytes: json[...], asText: true, at: parameter)
        default:
            let column = columns[position].column
            throw StorageErrors.invalid(
                backend: backend, operation: "store",
                "record \(index): field '\(column.field)' is \(value.typeName), but column '\(column.name)' holds \(column.kind.rawValue) values",
                details: ["record_index": .integer(Int64(index)), "field": .string(column.field)])
        }
    }

    // MARK: rows to records

    /// The record of the current row of a `SELECT` made by `selectSQL`.
    func record(from statement: SQLiteStatement, backend: String, path: String) throws(ErrorInfo) -> DataValue {
        if isDocument {
            return try decodeJSON(statement, column: 0, what: "a stored record", backend: backend, path: path)
        }
        var object = DataObject(minimumCapacity: columns.count)
        for (position, typed) in columns.enumerated() {
            let index = Int32(position)
            let type = statement.columnType(index)
            if type == SQLITE_NULL { continue }
            let value: DataValue
            switch typed.column.kind {
            case .json:
                value = try decodeJSON(statement, column: index, what: "column '\(typed.column.name)'", backend: backend, path: path)
            case .boolean:
                value = .bool(statement.int64(index) != 0)
            default:
                // What SQLite holds: with flexible typing a column may hold another type than declared.
                switch type {
                case SQLITE_INTEGER: value = typed.column.kind == .real ? .double(statement.double(index)) : .integer(statement.int64(index))
                case SQLITE_FLOAT: value = .double(statement.double(index))
                case SQLITE_BLOB: value = .bytes(statement.withBytes(index) { Array($0) })
                default: value = statement.withBytes(index) { UTF8Validation.string($0).map(DataValue.string) ?? .bytes(Array($0)) }
                }
            }
            object.appendUnchecked(key: typed.column.field, value: value)
        }
        return .object(object)
    }

    private func decodeJSON(_ statement: SQLiteStatement, column: Int32, what: String, backend: String, path: String) throws(ErrorInfo) -> DataValue {
        do {
            return try statement.withBytes(column) { try RecordJSON.decode($0) }
        } catch {
            throw ErrorInfo(
                .storage, layer: .storage, operation: "query",
                message: "\(what) in table \(name.quoted) of \(path) is not valid JSON: \(error)",
                details: ["backend_id": .string(backend), "path": .string(path)])
        }
    }

    // MARK: queries

    /// A `SELECT` for the criteria and the values to bind, in parameter order;
    /// `nil` when a filter can never match (a value of another type than its column).
    func select(_ criteria: QueryCriteria, backend: String) throws(ErrorInfo) -> (sql: String, parameters: [DataValue])? {
        var dialect = SQLiteSelectDialect()
        let typed = isDocument ? [] : columns.map { (column: $0.column, identifier: $0.identifier) }
        guard let sql = try SQLSelect.build(criteria, table: name, columns: typed, backend: backend, dialect: &dialect)
        else { return nil }
        return (sql, dialect.parameters)
    }

    /// `$."field"`: the field name was validated (no quotes, no backslashes), so quoting it is enough.
    static func jsonPath(_ field: String) -> String {
        "$.\"\(field)\""
    }
}
