import CollectorPostgres
import CollectorSQLite
import CollectorStorage
import CollectorValues
import Collectors
import LuaRuntime

/// A native storage backend created by a script (`storage.sqlite{ ... }`), as a Lua userdata.
///
/// The object may serve several users: each pipeline that writes to it and
/// each one-off `query` or `count` holds a lease of its own on one shared
/// connection, which stays open while any of them holds it.
public final class ScriptStorage {
    public let backend: any StorageBackend
    public let summary: String
    /// The file it writes, for finding a pipeline that would read what it writes.
    public internal(set) var filePath: String?
    /// The connection its users share.
    let shared: SharedBackend

    init(_ backend: any StorageBackend, summary: String) {
        self.backend = backend
        self.summary = summary
        shared = SharedBackend(backend)
    }

    /// A user's hold on the backend: what a pipeline is given as its backend.
    func lease() -> BackendLease { shared.lease() }

    /// A one-off read: connects for it (unless a pipeline holds the backend
    /// connected already) and lets go after, leaving other users connected.
    /// Waits in `loop` (the script's functions run meanwhile; an interrupt ends the wait).
    func query(_ criteria: QueryCriteria, in loop: ScriptLoop) throws -> [DataValue] {
        let lease = self.lease()
        return try loop.run {
            try await lease.connect()
            do {
                let rows = try await lease.query(criteria)
                await lease.disconnect()
                return rows
            } catch {
                await lease.disconnect()
                throw error
            }
        }
    }

    func count(in loop: ScriptLoop) throws -> Int {
        if let memory = backend as? MemoryStorage { return try loop.run { await memory.count } }
        if let null = backend as? NullStorage { return try loop.run { await null.count } }
        return try query(QueryCriteria(), in: loop).count
    }

    /// - Parameter checkOnly: `collector check`: the one-off reads connect
    ///   nothing (no file is created, no server asked) and find the backend empty.
    static func luaType(in lua: LuaState, loop: ScriptLoop, checkOnly: Bool) -> LuaObjectType<ScriptStorage> {
        LuaObjectType<ScriptStorage>(name: "storage") { [unowned lua] type in
            type.description { $0.summary }
            type.property("id") { .string($0.backend.id) }
            type.method("query") { object, call in
                let options = try OptionReader(
                    "query", table: try call.optionalArgument(1, as: LuaTable.self),
                    allowed: ["filters", "sort_by", "order", "limit", "offset"], in: lua)
                var criteria = QueryCriteria()
                if let filters = try options.data("filters") {
                    switch filters {
                    case .object(let object): criteria.filters = object
                    case .array(let items) where items.isEmpty: break
                    default: throw LuaCallError("query: option 'filters' must be a table of field = value")
                    }
                }
                criteria.sortBy = try options.string("sort_by")
                if let order = try options.choice("order", ["asc", "desc"]) { criteria.sortDirection = .init(rawValue: order) ?? .ascending }
                criteria.limit = try options.integer("limit", in: 0...Int.max)
                criteria.offset = try options.integer("offset", in: 0...Int.max) ?? 0
                let rows = checkOnly ? [] : try object.wrap { try object.query(criteria, in: loop) }
                try call.push(data: .array(rows))
                return 1
            }
            type.method("count") { object, call in
                try call.push(Int64(checkOnly ? 0 : try object.wrap { try object.count(in: loop) }))
                return 1
            }
        }
    }

    private func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as LuaError { throw error } catch let error as LuaCallError {
            throw error
        } catch {
            var info = ErrorInfo(from: error, layer: .storage, operation: "query")
            if info.details["backend_id"] == nil { info.details["backend_id"] = .string(backend.id) }
            if !info.message.contains(backend.id) { info.message = "\(backend.id): \(info.message)" }
            throw info
        }
    }
}

/// The `storage` table: one constructor per native backend.
enum StorageBindings {
    static func install(in lua: LuaState, bindings: ScriptBindings) throws {
        let storage = try ConstructorTable("storage", in: lua)
        bindings.storageConstructors = storage
        try storage.add("sqlite", try lua.function("storage.sqlite") { [unowned lua] call in
            let options = try OptionReader(
                "storage.sqlite", table: try call.optionalArgument(1, as: LuaTable.self),
                allowed: ["id", "path", "table", "layout", "columns", "max_size", "record_ids"], in: lua)
            let path = try options.requiredString("path")
            let tableName = try options.string("table") ?? "records"
            let layout = try StorageLayout(options, table: tableName, in: lua)
            var settings = SQLiteOptions(table: tableName, layout: layout.layout)
            if let maxSize = try options.size("max_size", in: 4096...Int.max) { settings.maxPageCount = maxSize / 4096 }
            if let recordIDs = try options.boolean("record_ids") { settings.recordIDs = recordIDs }
            try layout.check(options.function) { () throws(ErrorInfo) in try settings.validate() }
            let id = try options.string("id") ?? bindings.uniqueID("sqlite:\(path)")
            let object = ScriptStorage(
                SQLiteStorage(id: id, path: path, options: settings),
                summary: "storage.sqlite(\(path), table \(tableName), \(layout.description))")
            object.filePath = path
            try call.push(LuaObject(object))
            return 1
        })
        try storage.add("jsonl", try lua.function("storage.jsonl") { [unowned lua] call in
            let options = try OptionReader(
                "storage.jsonl", table: try call.optionalArgument(1, as: LuaTable.self),
                allowed: ["id", "path", "sync", "max_file_size", "max_files"], in: lua)
            let path = try options.requiredString("path")
            var settings = JSONLinesOptions()
            if let sync = try options.choice("sync", ["never", "batch", "record"]) {
                settings.sync = sync == "never" ? .never : (sync == "record" ? .everyRecord : .everyBatch)
            }
            settings.maxFileSize = try options.size("max_file_size", in: 1...Int.max)
            settings.maxRotatedFiles = try options.integer("max_files", in: 0...100_000)
            let id = try options.string("id") ?? bindings.uniqueID("jsonl:\(path)")
            let object = ScriptStorage(JSONLinesStorage(id: id, path: path, options: settings), summary: "storage.jsonl(\(path))")
            object.filePath = path
            try call.push(LuaObject(object))
            return 1
        })
        try storage.add("memory", try lua.function("storage.memory") { [unowned lua] call in
            let options = try OptionReader(
                "storage.memory", table: try call.optionalArgument(1, as: LuaTable.self), allowed: ["id"], in: lua)
            let id = try options.string("id") ?? bindings.nextID("memory")
            try call.push(LuaObject(ScriptStorage(MemoryStorage(id: id), summary: "storage.memory(\(id))")))
            return 1
        })
        try storage.add("postgres", try lua.function("storage.postgres") { [unowned lua] call in
            let options = try OptionReader(
                "storage.postgres", table: try call.optionalArgument(1, as: LuaTable.self),
                allowed: ["id", "url", "table", "layout", "columns", "connect_timeout", "batch_method", "rows_per_statement"], in: lua)
            let tableName = try options.string("table") ?? "records"
            let layout = try StorageLayout(options, table: tableName, in: lua)
            var settings = PostgresOptions(table: tableName, layout: layout.layout)
            try layout.check(options.function) { () throws(ErrorInfo) in try settings.validate() }
            if let timeout = try options.duration("connect_timeout") {
                settings.connectTimeoutSeconds = max(1, Int(timeout.components.seconds))
            }
            if let method = try options.choice("batch_method", PostgresBatchMethod.allCases.map(\.rawValue)) {
                settings.batchMethod = PostgresBatchMethod(rawValue: method) ?? settings.batchMethod
            }
            if let rows = try options.integer("rows_per_statement", in: 1...Int.max) { settings.rowsPerStatement = rows }
            let id = try options.string("id") ?? bindings.nextID("postgres")
            // The URL may come from the script (env("DATABASE_URL")) or, when absent, DATABASE_URL;
            // its password never shows in tostring, errors or logs.
            let backend: PostgresStorage
            do {
                backend = try PostgresStorage(
                    id: id, url: try options.string("url"), options: settings,
                    environment: bindings.environment.process.merging(bindings.environment.overrides) { $1 })
            } catch {
                throw LuaCallError("storage.postgres: \(ErrorInfo(from: error, layer: .storage, operation: "configure").message)")
            }
            try call.push(LuaObject(ScriptStorage(
                backend, summary: "storage.postgres(\(backend.redactedURL), table \(tableName), \(layout.description))")))
            return 1
        })
        try storage.add("null", try lua.function("storage.null") { [unowned lua] call in
            let options = try OptionReader(
                "storage.null", table: try call.optionalArgument(1, as: LuaTable.self), allowed: ["id"], in: lua)
            let id = try options.string("id") ?? bindings.nextID("null")
            try call.push(LuaObject(ScriptStorage(NullStorage(id: id), summary: "storage.null(\(id))")))
            return 1
        })
    }
}
