import CollectorValues
import Collectors
import Foundation
import LuaRuntime

/// The engine's Lua API in one state: `source.*`, `storage.*`, `processor.*`
/// and `pipeline`. A script registers pipelines; `runPipelines()` runs them.
///
///     let lua = try LuaState(LuaOptions(libraries: .full))
///     let bindings = try ScriptBindings(installingIn: lua, scriptPath: "main.lua")
///     try lua.call(try lua.load(source, name: "@main.lua"))
///     let reports = bindings.runPipelines()
public final class ScriptBindings {
    /// The pipelines registered so far, in order.
    public private(set) var pipelines: [PipelineDefinition] = []
    /// Relative processor paths are resolved from here (the script's directory).
    public let baseDirectory: String
    /// `require` templates for processors.
    public let modulePaths: [String]
    private var counters: [String: Int] = [:]
    private var usedIDs = Set<String>()
    private var storages: [ScriptStorage] = []

    public init(installingIn lua: LuaState, scriptPath: String) throws {
        var base = "."
        if let slash = scriptPath.lastIndex(of: "/") {
            base = slash == scriptPath.startIndex ? "/" : String(scriptPath[..<slash])
        }
        baseDirectory = base
        modulePaths = ["\(base)/?.lua", "\(base)/?/init.lua"]
        try lua.register(ScriptSource.luaType)
        try lua.register(ScriptStorage.luaType(in: lua))
        try lua.register(ScriptProcessor.luaType)
        try SourceBindings.install(in: lua, bindings: self)
        try StorageBindings.install(in: lua, bindings: self)
        try ProcessorBindings.install(in: lua, bindings: self)
        try PipelineBindings.install(in: lua, bindings: self)
    }

    /// `generator-1`, `generator-2`, ...
    func nextID(_ kind: String) -> String {
        let n = (counters[kind] ?? 0) + 1
        counters[kind] = n
        return uniqueID("\(kind)-\(n)")
    }

    func uniqueID(_ base: String) -> String {
        var id = base
        var n = 1
        while usedIDs.contains(id) {
            n += 1
            id = "\(base)#\(n)"
        }
        usedIDs.insert(id)
        return id
    }

    func resolve(_ path: String) -> String {
        if path.hasPrefix("/") || FileManager.default.fileExists(atPath: path) && baseDirectory == "." { return path }
        let beside = "\(baseDirectory)/\(path)"
        return FileManager.default.fileExists(atPath: beside) ? beside : path
    }

    func register(_ pipeline: PipelineDefinition, storages: [ScriptStorage]) {
        pipelines.append(pipeline)
        self.storages.append(contentsOf: storages)
    }

    /// Runs every registered pipeline concurrently until their sources end;
    /// `stop` (from a signal handler) stops them gracefully: they drain and flush.
    /// Returns one summary line per pipeline and whether all succeeded.
    public func runPipelines(stop: PipelineStopper = PipelineStopper()) throws -> (lines: [String], ok: Bool) {
        for storage in storages { storage.release() }
        let definitions = pipelines
        var built: [(PipelineDefinition, Pipeline)] = []
        for definition in definitions { built.append((definition, try definition.makePipeline())) }
        let pipelines = built
        let results = try runBlocking { () async -> [(String, Bool)] in
            for (_, pipeline) in pipelines { stop.add(pipeline) }
            return await withTaskGroup(of: (Int, String, Bool).self) { group in
                for (index, (definition, pipeline)) in pipelines.enumerated() {
                    group.addTask {
                        var deadLetter = definition.deadLetter
                        if let dl = deadLetter, definition.backends.contains(where: { $0.id == dl.id }) { deadLetter = nil }
                        do { try await deadLetter?.connect() } catch {
                            let info = ErrorInfo(from: error, layer: .storage, operation: "connect")
                            return (index, "pipeline \(definition.name): dead-letter backend failed: \(info.message)", false)
                        }
                        for (source, mode) in definition.sources { try? await pipeline.add(source, mode: mode) }
                        let report = await pipeline.run()
                        await deadLetter?.disconnect()
                        let line = PipelineDefinition.summary(
                            name: definition.name, report: report, backendIDs: definition.backends.map(\.id))
                        return (index, line, report.status != .failed)
                    }
                }
                var lines = [(String, Bool)](repeating: ("", true), count: pipelines.count)
                for await (index, line, ok) in group { lines[index] = (line, ok) }
                return lines
            }
        }
        return (results.map(\.0), results.allSatisfy(\.1))
    }
}

/// Stops running pipelines from a signal handler (any thread).
public final class PipelineStopper: @unchecked Sendable {
    // @unchecked: the list is guarded by the lock.
    private let lock = NSLock()
    private var pipelines: [Pipeline] = []
    private var stopped = false

    public init() {}

    func add(_ pipeline: Pipeline) {
        lock.lock()
        pipelines.append(pipeline)
        let stopNow = stopped
        lock.unlock()
        if stopNow { Task { await pipeline.stop() } }
    }

    /// Stops collecting; what was collected is still processed and stored.
    public func stop() {
        lock.lock()
        stopped = true
        let pipelines = self.pipelines
        lock.unlock()
        for pipeline in pipelines { Task { await pipeline.stop() } }
    }
}
