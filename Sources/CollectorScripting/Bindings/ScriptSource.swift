import CollectorValues
import Collectors
import Foundation
import LuaRuntime

/// A native source created by a script (`source.file{ ... }`), as a Lua userdata.
public final class ScriptSource {
    public let source: any DataSource
    /// How a pipeline collects it.
    public let mode: CollectionMode
    /// What `tostring` says (never a token).
    public let summary: String
    /// The file it reads, for finding a pipeline that would read what it writes.
    public var filePath: String? { (source as? any FileReadingSource)?.readPath }
    /// It polls on an interval (`--once` makes it collect once).
    public let isPolling: Bool
    /// The pipeline it feeds: a source feeds one pipeline (its items are taken, not copied).
    var pipeline: String?
    private var connected = false
    /// One decoder for all the items collected here: a CSV header read once applies to the next lines.
    private var decoder = RecordDecoder()

    init(_ source: any DataSource, mode: CollectionMode, summary: String, polls: Bool) {
        self.source = source
        self.mode = mode
        self.summary = summary
        isPolling = polls
    }

    /// `source:collect()`: one item, as `{ source_id, format, data, metadata }`.
    /// Waits in `loop` (the script's functions run meanwhile; an interrupt ends the wait).
    func collectOne(in loop: ScriptLoop) throws -> DataValue {
        if let pipeline {
            // Its items belong to that pipeline: taking one here would lose it there.
            throw LuaCallError(
                "the source '\(source.id)' feeds pipeline \"\(pipeline)\"; a source has one reader (collect from another source object)")
        }
        let source = self.source
        let connect = !connected
        let item = try loop.run {
            if connect { try await source.connect() }
            return try await source.collect()
        }
        connected = true
        // A refused line is an error for the caller (the source has read past it).
        if let refusal = item.refusal { throw refusal }
        let (records, failures) = decoder.decode(item)
        let data: DataValue
        if !failures.isEmpty {
            data = .string(String(decoding: item.payload, as: UTF8.self))
        } else if item.format == .jsonLines || item.format == .csv || item.format.split != nil, records.count != 1 {
            data = .array(records.map(\.value))
        } else {
            data = records.first?.value ?? .null
        }
        return [
            "source_id": .string(item.sourceID),
            "format": .string(item.format.rawValue),
            "data": data,
            "metadata": .object(item.metadata),
        ]
    }

    static func luaType(loop: ScriptLoop) -> LuaObjectType<ScriptSource> { LuaObjectType(name: "source") { type in
        type.description { $0.summary }
        type.property("id") { .string($0.source.id) }
        type.method("collect") { object, call in
            do {
                try call.push(data: try object.collectOne(in: loop))
            } catch let error as LuaError {
                throw error
            } catch let error as LuaCallError {
                throw LuaCallError("collect: \(error.message)")
            } catch {
                // As itself: the run's exit status tells an engine failure from a script's mistake by it.
                throw ErrorInfo(from: error, layer: .collection, operation: "collect")
            }
            return 1
        }
    } }
}
