import CollectorValues
import Collectors
import Foundation
import LuaRuntime

/// The `meta` a processor's `process(record, emit, meta)` receives: where
/// the record being processed came from, read field by field when the
/// processor asks (nothing is built for a processor that never looks).
///
/// One userdata per state, pointed at each record in turn: it answers only
/// during a `process` call, and assigning to it is an error.
final class RecordMeta {
    /// What a `meta` answers for one record.
    enum Fields {
        /// A record in a pipeline: its own fields and its origin's.
        case record(Record)
        /// Given as they are (a test's `meta = { ... }`).
        case given(DataObject)

        subscript(key: String) -> DataValue? {
            switch self {
            case .given(let values): return values[key]
            case .record(let record):
                switch key {
                case "source_id": return .string(record.sourceID)
                case "sequence": return .integer(Int64(truncatingIfNeeded: record.sequence))
                case "record_id": return .string(record.id.description)
                case "collected_at": return .double(record.collectedAt.timeIntervalSince1970)
                default: return record.origin?[key]
                }
            }
        }

        var all: DataObject {
            guard case .record(let record) = self else { return self.given }
            var values = record.origin?.values ?? DataObject()
            for key in RecordMeta.recordKeys { values[key] = self[key] }
            return values
        }

        private var given: DataObject {
            if case .given(let values) = self { return values }
            return DataObject()
        }
    }

    /// What every record has, whatever its source.
    static let recordKeys = ["source_id", "sequence", "record_id", "collected_at"]

    /// What the userdata holds (not `self`, which holds the userdata's ref).
    private final class Cursor {
        /// The record being processed; nil between calls.
        var current: Fields?

        func fields() throws -> Fields {
            guard let current else {
                throw LuaCallError("meta is readable only during the process call it was given to; copy the values you need")
            }
            return current
        }
    }

    private let cursor = Cursor()
    /// The userdata scripts see (one per state).
    let value: LuaValue

    init(in lua: LuaState) throws {
        // Once per state: registering again would disown the userdata made before.
        if !lua.isRegistered(Cursor.self) { try lua.register(Self.luaType) }
        let cursor = self.cursor
        let make = try lua.function("meta") { call in
            try call.push(LuaObject(cursor))
            return 1
        }
        guard let made = try lua.call(make).first, case .userdata = made else {
            throw LuaError(.misuse, "meta did not load")
        }
        value = made
    }

    /// Runs `body` with `meta` answering for `fields`.
    func with<T, E: Error>(_ fields: Fields, _ body: () throws(E) -> T) throws(E) -> T {
        cursor.current = fields
        defer { cursor.current = nil }
        return try body()
    }

    private static var luaType: LuaObjectType<Cursor> {
        LuaObjectType(name: "meta") { type in
            type.fields({ cursor, key in try cursor.fields()[key] }, all: { cursor in try cursor.fields().all })
            type.readOnly { key in
                "meta is read-only (assigning meta.\(key)): copy what you need into the record"
            }
            type.description { cursor in cursor.current == nil ? "meta (outside process)" : "meta" }
        }
    }
}
