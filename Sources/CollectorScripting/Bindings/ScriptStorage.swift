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
    public var filePath: String? { (backend as? any FileWritingBackend)?.writtenPath }
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

    /// How many records the backend holds: asked of a backend that can count
    /// (`CountingBackend`, without reading the records), else by reading them.
    func count(in loop: ScriptLoop) throws -> Int {
        guard let counting = backend as? any CountingBackend else { return try query(QueryCriteria(), in: loop).count }
        let lease = self.lease()
        return try loop.run {
            try await lease.connect()
            do {
                let count = try await counting.storedCount()
                await lease.disconnect()
                return count
            } catch {
                await lease.disconnect()
                throw error
            }
        }
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
