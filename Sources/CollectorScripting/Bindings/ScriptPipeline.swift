import CollectorValues
import Collectors
import LuaRuntime

/// A pipeline a script registered, as a Lua userdata: what `pipeline "x" {...}`
/// returns. It runs with the others (after the main chunk, or at `run()`),
/// or on its own: `p:run()`, or `p:start()` in the background (in the REPL,
/// keep typing) with `p:stats()`, `p:tap(...)`, `p:replace(...)`, `p:stop()`
/// and `p:wait()`. Used on the script's thread only.
public final class ScriptPipeline {
    public enum State: Equatable { case pending, running, finished }

    public let definition: PipelineDefinition
    unowned let bindings: ScriptBindings
    public private(set) var outcome: ScriptBindings.Outcome?
    private(set) var pipeline: Pipeline?
    private var task: Task<ScriptBindings.Outcome, Never>?
    /// The shadow runs `p:shadow` started, by the processor's place (0-based).
    var shadowRuns: [Int: (run: ShadowRun, source: String?)] = [:]

    init(_ definition: PipelineDefinition, bindings: ScriptBindings) {
        self.definition = definition
        self.bindings = bindings
    }

    public var state: State { outcome != nil ? .finished : (task != nil ? .running : .pending) }

    /// Starts the pipeline in the background; an error if it already started.
    public func start() throws {
        guard state == .pending else { throw LuaCallError("pipeline \"\(definition.name)\" has already been started") }
        guard !bindings.settings.checkOnly else { return }
        let (pipeline, task) = try bindings.start(definition)
        self.pipeline = pipeline
        self.task = task
    }

    /// Waits for the pipeline to end (starting it if it has not), running the script's functions meanwhile.
    @discardableResult
    public func wait() throws -> ScriptBindings.Outcome? {
        // A pipeline that has ended is served anywhere; one to wait for is not, from inside a job.
        if let outcome { return outcome }
        try bindings.refuseWaitInsideJob("p:wait()")
        if state == .pending { try start() }
        guard let task, let pipeline else { return nil }
        do {
            outcome = try bindings.wait(for: task, pipeline: pipeline)
        } catch is ScriptLoop.Interrupted {
            throw LuaCallError(
                "interrupted: pipeline \"\(definition.name)\" goes on running (p:stop() stops it, p:wait() waits for it again)")
        }
        return outcome
    }

    /// Counters of the running (or finished) pipeline.
    func stats() throws -> DataValue {
        if let outcome { return RunBindings.table(for: outcome) }
        guard let pipeline else { return ["status": "pending"] }
        let backendIDs = definition.backends.map(\.id)
        return try bindings.loop.run { () async -> DataValue in
            let processing = await pipeline.processing.statistics
            let storage = await pipeline.storage.statistics
            let collection = await pipeline.collection.statistics
            var stored = DataObject()
            for id in backendIDs { stored[id] = .integer(Int64(storage.stored[id] ?? 0)) }
            // The ledger's terms so far (its equations hold once the run has ended).
            var ledger = PipelineLedger()
            ledger.input = processing.input
            ledger.created = processing.created
            ledger.discarded = processing.discarded + storage.discarded
            ledger.deadLetters = processing.deadLettered + storage.deadLettered
            for id in backendIDs {
                let replay = storage.failedInReplay[id] ?? 0
                ledger.backends[id] = .init(
                    routed: storage.routed[id] ?? 0, stored: storage.stored[id] ?? 0, skipped: storage.skipped[id] ?? 0,
                    spooled: storage.spooled[id] ?? 0, refused: (storage.failed[id] ?? 0) - replay, refusedOnReplay: replay)
            }
            ledger.read = pipeline.readSoFar
            let tally = pipeline.deadLetterTally
            ledger.deadLettersWritten = tally?.written ?? ledger.deadLetters
            ledger.deadLettersSpooled = tally?.spooled ?? 0
            ledger.deadLettersLost = tally?.lost ?? 0
            var table: DataObject = [
                "status": .string(await pipeline.status.rawValue), "collected": .integer(Int64(collection.collected)),
                "input": .integer(Int64(processing.input)), "output": .integer(Int64(processing.output)),
                "dropped": .integer(Int64(processing.dropped)), "failed": .integer(Int64(processing.failed)),
                "dead_letters": .integer(Int64(processing.deadLettered + storage.deadLettered)), "stored": .object(stored),
                "spooled": .integer(Int64(storage.spooled.values.reduce(0, +))),
                "replayed": .integer(Int64(storage.replayed.values.reduce(0, +))),
                "failed_to_store": .integer(Int64(storage.failed.values.reduce(0, +))),
            ]
            for (key, value) in RunBindings.ledgerFields(ledger) { table[key] = value }
            return .object(table)
        }
    }

    /// The stage a tap names: a number (0 = input), "input", "output", or "after NAME".
    func stage(_ value: LuaValue, processorNames: [String]) throws -> Int {
        switch value {
        case .integer(let n) where n >= 0 && n <= processorNames.count: return Int(n)
        case .string("input"): return 0
        case .string("output"): return processorNames.count
        case .string(let text) where text.hasPrefix("after "):
            let name = String(text.dropFirst("after ".count))
            if let index = processorNames.firstIndex(of: name) { return index + 1 }
            throw LuaCallError("tap: no processor named '\(name)' (processors: \(processorNames.joined(separator: ", ")))")
        default:
            throw LuaCallError(
                "tap: the stage is \"input\", \"output\", \"after NAME\" or a number from 0 to \(processorNames.count)")
        }
    }

    /// The next `count` records at `stage`, waiting at most `timeout`.
    func tap(stage: Int, count: Int, timeout: Duration) throws -> [DataValue] {
        guard let pipeline, outcome == nil else {
            throw LuaCallError("tap: pipeline \"\(definition.name)\" is not running (p:start() first)")
        }
        try bindings.refuseWaitInsideJob("p:tap()")
        return try bindings.loop.run { () async -> [DataValue] in
            let watch = Task { await pipeline.processing.tap(stage: stage, count: count) }
            let timer = Task {
                try? await Task.sleep(for: timeout)
                watch.cancel()
            }
            // An interrupted tap ends the watch too, rather than leaving it on the pipeline.
            let records = await withTaskCancellationHandler { await watch.value } onCancel: { watch.cancel() }
            timer.cancel()
            return records.map(\.value)
        }
    }

    /// Replaces the processor at `index` (0-based) for the following batches.
    func replace(at index: Int, with processor: any Processor) throws {
        guard let pipeline, outcome == nil else {
            throw LuaCallError("replace: pipeline \"\(definition.name)\" is not running")
        }
        try bindings.loop.run {
            var processors = await pipeline.processing.currentProcessors
            processors[index] = processor
            await pipeline.processing.setProcessors(processors)
        }
    }

    /// The 0-based place of the processor a method names: its name, or its place from 1.
    func processorIndex(_ value: LuaValue, for method: String) throws -> Int {
        let names = definition.processors.map(\.name)
        switch value {
        case .integer(let n) where n >= 1 && n <= names.count: return Int(n) - 1
        case .string(let name):
            guard let found = names.firstIndex(of: name) else {
                throw LuaCallError("\(method): no processor named '\(name)' (processors: \(names.joined(separator: ", ")))")
            }
            return found
        case .integer(let n):
            throw LuaCallError("\(method): there is no processor \(n) (the pipeline has \(names.count), from 1)")
        default:
            throw LuaCallError("\(method): name the processor (its name, or its place from 1), got \(value.typeName)")
        }
    }

    func stop() throws {
        guard let pipeline, outcome == nil else { return }
        try bindings.loop.run { await pipeline.stop() }
    }

    static func luaType(in lua: LuaState) -> LuaObjectType<ScriptPipeline> {
        LuaObjectType<ScriptPipeline>(name: "pipeline") { [unowned lua] type in
            type.description { handle in "pipeline \"\(handle.definition.name)\" (\(handle.state))" }
            type.property("name") { .string($0.definition.name) }
            type.property("status") { handle in
                .string(handle.outcome?.report?.status.rawValue ?? (handle.state == .running ? "running" : "pending"))
            }
            type.method("start") { handle, call in
                try handle.start()
                call.pushArgument(0)
                return 1
            }
            // run() and wait() are one: start if pending, wait for the end, give the report.
            for name in ["run", "wait"] {
                type.method(name) { handle, call in
                    let outcome = try handle.wait()
                    try call.push(data: outcome.map(RunBindings.table(for:)) ?? RunBindings.pendingTable(for: handle.definition))
                    return 1
                }
            }
            type.method("stop") { handle, _ in
                try handle.stop()
                return 0
            }
            type.method("stats") { handle, call in
                try call.push(data: try handle.stats())
                return 1
            }
            type.method("tap") { handle, call in
                let names = handle.definition.processors.map(\.name)
                let stage = try handle.stage(call.argumentCount >= 1 ? call.value(1) : .string("output"), processorNames: names)
                let count = call.argumentCount >= 2 ? Int(try call.integer(2)) : 1
                guard count >= 1 && count <= 10_000 else { throw LuaCallError("tap: the count is from 1 to 10000") }
                var timeout = Duration.seconds(10)
                if call.argumentCount >= 3 {
                    // Units.duration refuses what the engine cannot hold (1e300 seconds, NaN) instead of trapping.
                    switch call.value(3) {
                    case .string(let text):
                        guard let parsed = Units.duration(text) else { throw LuaCallError("tap: bad duration '\(text)'") }
                        timeout = parsed
                    case let value where value.numberValue != nil:
                        guard let parsed = Units.duration(value) else {
                            throw LuaCallError("tap: the timeout must be from 0 to 1000000000 seconds, got \(value.numberValue ?? 0)")
                        }
                        timeout = parsed
                    default: throw LuaCallError("tap: the timeout is a duration (\"10s\") or seconds")
                    }
                }
                try call.push(data: .array(try handle.tap(stage: stage, count: count, timeout: timeout)))
                return 1
            }
            type.method("replace") { handle, call in
                let index = try handle.processorIndex(call.value(1), for: "replace")
                guard let replacement = try lua.object(call.value(2), as: ScriptProcessor.self) else {
                    throw LuaCallError("replace: the new processor is a processor.* object")
                }
                try handle.replace(at: index, with: replacement.processor)
                return 0
            }
            type.method("shadow") { handle, call in
                let index = try handle.processorIndex(call.value(1), for: "shadow")
                let value = call.value(2)
                if value.isNil {
                    try handle.shadow(at: index, with: nil)
                    return 0
                }
                guard let shadow = try lua.object(value, as: ScriptProcessor.self) else {
                    throw LuaCallError("shadow: the new version is a processor.* object (processor.file \"v2.lua\"), got \(value.typeName)")
                }
                try handle.shadow(at: index, with: shadow.processor)
                return 0
            }
            type.method("shadow_report") { handle, call in
                let index = call.argumentCount >= 1 && !call.value(1).isNil
                    ? try handle.processorIndex(call.value(1), for: "shadow_report") : nil
                try call.push(data: try handle.shadowReport(at: index, lua: lua))
                return 1
            }
            type.method("promote") { handle, call in
                let index = try handle.processorIndex(call.value(1), for: "promote")
                try call.push(data: try handle.promote(at: index))
                return 1
            }
            type.method("record") { handle, call in
                let index = try handle.processorIndex(call.value(1), for: "record")
                guard case .integer(let count) = call.value(2), count >= 1 && count <= 10_000 else {
                    throw LuaCallError("record: the count is a whole number from 1 to 10000, got \(try lua.describe(call.value(2)))")
                }
                let path: String?
                switch call.value(3) {
                case .nil: path = nil
                case .string(let text): path = text
                default: throw LuaCallError("record: the test file is a path (\"readings_test.lua\"), got \(call.value(3).typeName)")
                }
                let options = try OptionReader(
                    "record", table: try call.optionalArgument(4, as: LuaTable.self), allowed: ["timeout", "overwrite"], in: lua)
                let written = try handle.record(
                    at: index, count: Int(count), path: path, timeout: try options.duration("timeout"),
                    overwrite: try options.boolean("overwrite") ?? false)
                if let file = written.path { try call.push(file) } else { try call.push(LuaValue.nil) }
                try call.push(LuaValue.integer(Int64(written.count)))
                return 2
            }
        }
    }
}
