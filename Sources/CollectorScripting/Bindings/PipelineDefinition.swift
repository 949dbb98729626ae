import CollectorValues
import Collectors
import Foundation
import LuaRuntime

/// A pipeline a script registered with `pipeline "name" { ... }`, run after the script's main chunk.
public struct PipelineDefinition: Sendable {
    public var name: String
    public var sources: [(source: any DataSource, mode: CollectionMode)]
    public var processors: [any Processor]
    public var backends: [any StorageBackend]
    /// The backends' output names and how records choose among them (`to = { name = backend }`, `route`).
    public var routing: RecordRouting?
    public var deadLetter: (any StorageBackend)?
    public var batchSize: Int
    /// How long one connect of a source or a backend may take (`connect_timeout`).
    public var connectTimeout: Duration? = .seconds(10)
    /// Where batches wait that a backend could not take (`spool = ...`); `nil` when turned off.
    public var spool: (any Spool)?
    /// The spool's file, for messages.
    public var spoolPath: String?
    /// Set when the pipeline replays dead letters: its letters count the attempt.
    public var replayAttempts: ReplayAttempts?
    /// Where the pipeline keeps its sources' positions and its processors' state (`resume`); `nil`: nowhere.
    public var resumeStore: (any ResumeStore)?
    /// The pipeline's entries in `resumeStore`: `SCRIPT/PIPELINE`.
    public var resumeScope: String?
    /// A checkpoint of processor state every this many records (`checkpoint_every`) ...
    public var checkpointRecords = 10_000
    /// ... or this often (`checkpoint_interval`).
    public var checkpointInterval: Duration = .seconds(5)

    /// Builds the pipeline; its events go to `emitter`, its errors are logged to `log`.
    /// - Parameters:
    ///   - drainTimeout: how long the drain may take once collection has ended (`--drain-timeout`).
    ///   - leases: cluster mode: the sources are collected only under their leases.
    public func makePipeline(
        emitter: (any EventEmitter)? = nil, log: LogSink? = nil, metrics: MetricsRegistry? = nil,
        drainTimeout: Duration? = nil, leases: (any SourceLeases)? = nil
    ) throws -> Pipeline {
        // Letters the destination cannot take wait in the pipeline's spool, in a queue of its own.
        let sink = deadLetter.map {
            BackendDeadLetterSink(backend: $0, spool: spool, queue: "dead_letter:\(name)/\($0.id)", attempts: replayAttempts)
        }
        // The handler's error events carry the pipeline's name, as the pipeline's own do.
        let emitter = emitter.map { PipelineEventEmitter(base: $0, pipeline: name) as any EventEmitter }
        let handler = DefaultErrorHandler(
            emitter: emitter, logger: log.map { DefaultErrorHandler.logger(to: $0) } ?? DefaultErrorHandler.standardErrorLogger)
        var configuration = PipelineConfiguration(batchSize: batchSize, drainTimeout: drainTimeout, connectTimeout: connectTimeout)
        configuration.checkpointRecords = checkpointRecords
        configuration.checkpointInterval = checkpointInterval
        return try Pipeline(
            name: name, sources: [], processors: processors, backends: backends,
            configuration: configuration,
            errorHandler: handler,
            deadLetters: sink, emitter: emitter, routing: routing, metrics: metrics, spool: spool,
            resumeStore: resumeStore, resumeScope: resumeScope, leases: leases)
    }

    /// One line: records in, out, dropped, failed, dead letters, routed per
    /// named output (and unrouted), stored per backend, and the spool's part.
    /// - Parameter outputs: the output name of each backend (in `backendIDs`' order), when they are named.
    public static func summary(
        name: String, report: PipelineReport, backendIDs: [String], outputs: [String] = [], spoolPath: String? = nil
    ) -> String {
        let p = report.processing
        var line = "pipeline \(name): \(p.input) in, \(p.output) out, \(p.dropped) dropped, \(p.failed) failed, \(p.deadLettered + report.storage.deadLettered) dead letters"
        if outputs.count == backendIDs.count, !outputs.isEmpty {
            let routed = zip(outputs, backendIDs).map { "\($0)=\(report.storage.routed[$1] ?? 0)" }
            line += "; routed " + routed.joined(separator: ", ")
        }
        if p.unrouted > 0 { line += "; \(p.unrouted) unrouted" }
        let stored = backendIDs.map { "\($0)=\(report.storage.stored[$0] ?? 0)" }
        line += "; stored " + stored.joined(separator: ", ")
        let failed = report.storage.failed.values.reduce(0, +)
        if failed > 0 { line += "; \(failed) failed to store" }
        let spooled = report.storage.spooled.values.reduce(0, +)
        let replayed = report.storage.replayed.values.reduce(0, +)
        let left = report.spooled.values.reduce(0, +)
        if spooled > 0 || replayed > 0 || left > 0 {
            line += "; spooled \(spooled), replayed \(replayed), \(left) left in the spool"
            if left > 0, let spoolPath { line += " \(spoolPath)" }
        }
        let ledger = report.ledger
        if ledger.created > 0 { line += "; \(ledger.created) created by processors" }
        let skipped = ledger.backends.values.reduce(0) { $0 + $1.skipped }
        if skipped > 0 { line += "; \(skipped) skipped as stored already" }
        if ledger.discarded > 0 { line += "; \(ledger.discarded) failed records discarded (no dead-letter destination)" }
        if ledger.deadLettersSpooled > 0 { line += "; \(ledger.deadLettersSpooled) dead letters spooled" }
        if ledger.deadLettersLost > 0 { line += "; \(ledger.deadLettersLost) dead letters lost" }
        if report.cutShort { line += "; the drain deadline passed" }
        if let error = report.error { line += "; error: \(error.message)" }
        return line
    }
}

enum PipelineBindings {
    static let specOptions = [
        "from", "process", "to", "route", "dead_letter", "batch_size", "connect_timeout", "spool", "resume",
        "checkpoint_every", "checkpoint_interval",
    ]

    static func install(in lua: LuaState, bindings: ScriptBindings) throws {
        try lua.register("pipeline") { [unowned lua] call in
            let name = try call.string(1)
            guard !name.isEmpty else { throw LuaCallError("pipeline: the name must not be empty") }
            let define = try lua.function("pipeline \"\(name)\"") { [unowned lua] call in
                let spec = try call.table(1)
                let options = try OptionReader("pipeline \"\(name)\"", table: spec, allowed: specOptions, in: lua)
                let what = "pipeline \"\(name)\""
                let sources: [ScriptSource] = try objects(options.value("from"), "from", what, "source", lua)
                guard !sources.isEmpty else { throw LuaCallError("\(what): no source (from = { source.generator{...}, ... })") }
                let processors = try processorList(options.value("process"), pipeline: name, bindings: bindings, lua)
                let outputs = try PipelineOutputs(to: options.value("to"), what: what, in: lua)
                let backends = outputs.backends
                guard !backends.isEmpty else { throw LuaCallError("\(what): no storage backend (to = { storage.sqlite{...}, ... })") }
                let routing = try outputs.routing(
                    options.value("route"), pipeline: name, what: what, loop: bindings.loop, in: lua)
                var deadLetter: ScriptStorage?
                if let value = options.value("dead_letter") {
                    guard let backend = try lua.object(value, as: ScriptStorage.self) else {
                        throw LuaCallError("\(what): option 'dead_letter' must be a storage backend, got \(value.typeName)")
                    }
                    deadLetter = backend
                }
                // The record queue is allocated for two batches up front.
                let batchSize = try options.integer("batch_size", in: 1...100_000) ?? 500
                let connectTimeout = try options.duration("connect_timeout") ?? .seconds(10)
                guard connectTimeout > .zero else { throw LuaCallError("\(what): option 'connect_timeout' must be positive") }
                let spool = try bindings.spool(for: options.value("spool"), what: what, in: lua)
                let resume = try bindings.resumeStores.store(for: options.value("resume"), what: what)
                let checkpointEvery = try options.integer("checkpoint_every", in: 1...100_000_000) ?? 10_000
                let checkpointInterval = try options.duration("checkpoint_interval") ?? .seconds(5)
                guard checkpointInterval > .zero else { throw LuaCallError("\(what): option 'checkpoint_interval' must be positive") }
                guard !bindings.pipelines.contains(where: { $0.name == name }) else {
                    throw LuaCallError("\(what) is defined twice")
                }
                var ids = Set<String>()
                for source in sources where !ids.insert(source.source.id).inserted {
                    throw LuaCallError("\(what): the source '\(source.source.id)' is given twice")
                }
                try checkNoCycle(what, sources: sources, backends: backends + (deadLetter.map { [$0] } ?? []))
                for source in sources {
                    guard let other = source.pipeline else { continue }
                    throw LuaCallError(
                        "\(what): the source '\(source.source.id)' already feeds pipeline \"\(other)\"; a source object "
                            + "feeds one pipeline (each item goes to one reader): create another source for this one")
                }
                if let spool { warnOfBackendsWithoutIDs(what, backends: backends, spoolPath: spool.path, log: bindings.log) }
                for source in sources { source.pipeline = name }
                let once = bindings.settings.once
                var definition = PipelineDefinition(
                    name: name, sources: sources.map { ($0.source, once && $0.isPolling ? .once : $0.mode) },
                    processors: processors,
                    backends: backends.map { $0.lease() }, routing: routing, deadLetter: deadLetter?.lease(), batchSize: batchSize,
                    connectTimeout: connectTimeout,
                    spool: spool?.spool, spoolPath: spool?.path)
                if let resume {
                    definition.resumeStore = resume.store
                    definition.resumeScope = "\(bindings.resumeStores.scriptName)/\(name)"
                }
                definition.checkpointRecords = checkpointEvery
                definition.checkpointInterval = checkpointInterval
                let handle = bindings.register(definition)
                try call.push(LuaObject(handle))
                return 1
            }
            try call.push(define)
            return 1
        }
    }

    /// A spool replays batches, and a replay may bring records the backend
    /// already stored (a write the drain deadline cut short that completed
    /// after all, a crash between a write and the spool's removal): a
    /// backend that keeps record ids but has them turned off stores them again. Allowed (some bulk loads
    /// accept it), but said, not left for the user to find out.
    private static func warnOfBackendsWithoutIDs(_ what: String, backends: [ScriptStorage], spoolPath: String, log: LogSink) {
        for backend in backends {
            guard let keeping = backend.backend as? any RecordIDKeeping, !keeping.keepsRecordIDs else { continue }
            log.log(
                .warn,
                "\(what): \(keeping.id) has record_ids = false, so records replayed from the spool \(spoolPath) may be stored twice (at least once, not once); set spool = false or keep record ids",
                fields: [("backend_id", keeping.id)])
        }
    }

    /// A backend that writes the file a source of the same pipeline reads
    /// would feed the pipeline its own output.
    private static func checkNoCycle(_ what: String, sources: [ScriptSource], backends: [ScriptStorage]) throws {
        func canonical(_ path: String) -> String {
            URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        }
        for source in sources {
            guard let read = source.filePath.map(canonical) else { continue }
            for backend in backends where backend.filePath.map(canonical) == read {
                throw LuaCallError(
                    "\(what): \(backend.backend.id) writes \(backend.filePath ?? ""), which the source \(source.source.id) reads: the pipeline would read its own output (a cycle)")
            }
        }
    }

    /// The `process` list: processor objects, and functions of the script
    /// (run in the script's own state, named `PIPELINE.process[i]`).
    private static func processorList(
        _ value: LuaValue?, pipeline: String, bindings: ScriptBindings, _ lua: LuaState
    ) throws -> [any Processor] {
        guard let value else { return [] }
        let what = "pipeline \"\(pipeline)\""
        func processor(_ item: LuaValue, index: Int64) throws -> any Processor {
            if let object = try lua.object(item, as: ScriptProcessor.self) { return object.processor }
            if case .function(let function) = item {
                return try ScriptFunctionProcessor(
                    name: "\(pipeline).process[\(index)]", function: function, in: lua, loop: bindings.loop)
            }
            throw LuaCallError(
                "\(what): option 'process' must list processors or functions, got a \(item.typeName) at [\(index)]")
        }
        if case .function = value { return [try processor(value, index: 1)] }
        if try lua.object(value, as: ScriptProcessor.self) != nil { return [try processor(value, index: 1)] }
        guard case .table(let table) = value else {
            throw LuaCallError("\(what): option 'process' must be a list of processors, got \(value.typeName)")
        }
        var items: [(Int64, LuaValue)] = []
        for (key, item) in try lua.entries(of: table) {
            guard case .integer(let index) = key else {
                throw LuaCallError("\(what): option 'process' must be a list, got a key \(try lua.describe(key))")
            }
            items.append((index, item))
        }
        return try items.sorted { $0.0 < $1.0 }.map { try processor($0.1, index: $0.0) }
    }

    /// A single object or a list of them.
    private static func objects<T: AnyObject>(
        _ value: LuaValue?, _ option: String, _ what: String, _ kind: String, _ lua: LuaState
    ) throws -> [T] {
        guard let value else { return [] }
        if let object = try lua.object(value, as: T.self) { return [object] }
        guard case .table(let table) = value else {
            throw LuaCallError("\(what): option '\(option)' must be a \(kind) or a list of them, got \(value.typeName)")
        }
        var items: [(Int64, T)] = []
        for (key, item) in try lua.entries(of: table) {
            guard case .integer(let index) = key, let object = try lua.object(item, as: T.self) else {
                throw LuaCallError("\(what): option '\(option)' must be a list of \(kind)s, got a \(item.typeName) in it")
            }
            items.append((index, object))
        }
        return items.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
