import Collectors
import CollectorValues

/// The fields that identify a record in an SQL backend's table (an order id,
/// a sensor and a timestamp): a record whose key is stored already updates
/// that row (`.update`) or is skipped (`.ignore`) instead of adding one, so
/// re-polling an API or re-importing a file does not store its rows again.
///
/// The table gets a unique index on the key (the key's columns in a typed
/// table, the JSON fields' values in a document table). A record without a
/// key field, or with `null` there, is refused (a validation error for that
/// record alone): a unique index does not hold NULLs to one row.
public struct NaturalKey: Sendable, Hashable {
    /// What a record whose key is stored already does.
    public enum OnConflict: String, Sendable, Hashable, CaseIterable {
        /// Replaces the stored row's values (the row keeps its location id);
        /// of two records of one batch with the same key, the later wins.
        case update
        /// Leaves the stored row as it is; the record is skipped.
        case ignore
    }

    /// Record fields (top level), in index order.
    public var fields: [String]
    public var onConflict: OnConflict

    public init(_ fields: [String], onConflict: OnConflict = .update) {
        self.fields = fields
        self.onConflict = onConflict
    }

    /// Checks the field names (at least one, each once, as query field
    /// names are: letters, digits, `_` and `-`).
    package func validate() throws(ErrorInfo) {
        guard !fields.isEmpty else { throw Self.invalid("the key names no field: list at least one (key = { \"order_id\" })") }
        var seen: Set<String> = []
        for field in fields {
            guard FieldName.isValid(field) else {
                throw Self.invalid(
                    "key field \(SQLIdentifier.quotedForMessage(field)) is not a valid field name: use letters, digits, _ and - (not starting with a digit or -, at most 128)"
                )
            }
            guard seen.insert(field).inserted else { throw Self.invalid("key field '\(field)' is listed twice") }
        }
    }

    /// The positions of the key's columns among `columns` (a typed table):
    /// a key field is a column's field (or, failing that, its name).
    package func positions(in columns: [Column]) throws(ErrorInfo) -> [Int] {
        var positions: [Int] = []
        for field in fields {
            guard let position = columns.firstIndex(where: { $0.field == field }) ?? columns.firstIndex(where: { $0.name == field })
            else {
                throw Self.invalid(
                    "key field '\(field)' is not a column of the table (fields: \(columns.map(\.field).joined(separator: ", ")))")
            }
            positions.append(position)
        }
        return positions
    }

    /// The first key field `record` lacks (or holds `null` in); nil when it has them all.
    package func missingField(in record: DataValue) -> String? {
        guard case .object(let object) = record else { return fields[0] }
        for field in fields {
            switch object[field] {
            case nil, .null?: return field
            default: continue
            }
        }
        return nil
    }

    /// The error for record `index` without key field `field`: that record is refused alone.
    package func missing(_ field: String, index: Int, backend: String) -> ErrorInfo {
        StorageErrors.invalid(
            backend: backend, operation: "store",
            "record \(index) has no key field '\(field)' (or it is null): the table's key is \(description), and every record needs it",
            details: ["record_index": .integer(Int64(index)), "field": .string(field)])
    }

    /// The name of the key's unique index on `table`: the table's name, then
    /// `_key_` and a hash of what the index covers, so that a changed key
    /// gets an index of its own (and the old one can be told apart).
    package static func indexName(table: String, covering: String) -> String {
        // FNV-1a: stable across runs and platforms (Hasher is seeded per process).
        var hash: UInt32 = 2_166_136_261
        for byte in covering.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        let hex = String(hash, radix: 16)
        return "\(indexPrefix(table: table))\(String(repeating: "0", count: 8 - hex.count))\(hex)"
    }

    /// What every key index's name on `table` starts with (the table's name
    /// cut so that the whole name fits PostgreSQL's 63 bytes).
    package static func indexPrefix(table: String) -> String { "\(table.prefix(63 - 13))_key_" }

    /// `{ "order_id", "line" }`, as a script writes it.
    package var description: String {
        "{ " + fields.map { "\"\($0)\"" }.joined(separator: ", ") + " }"
    }

    private static func invalid(_ message: String) -> ErrorInfo {
        ErrorInfo(.configuration, layer: .storage, operation: "configure", message: message)
    }
}
