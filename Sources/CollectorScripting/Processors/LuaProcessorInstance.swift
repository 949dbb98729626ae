import CollectorValues
import Collectors
import Foundation
import LuaRuntime

/// One Lua state running a processor script, on a thread of its own.
///
/// What a script may define is `ProcessorModule`'s to say; `process`
/// returns the record (kept), nil (dropped) or a new table, and may call
/// `emit(t)` any number of times to send more records.
actor LuaProcessorInstance {
    private let executor: DedicatedThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private let lua: LuaState
    private let processorName: String
    private let scriptHash: String
    private var module: ProcessorModule?
    private var emit: EmitFunction?
    private var meta: RecordMeta?
    /// Which record `log.*` lines are about.
    private let origin: LogOrigin
    /// `ctx.config` of `init` and `migrate`.
    nonisolated let config: DataValue?

    init(name: String, scriptHash: String, options: LuaProcessorOptions, worker: Int) throws {
        processorName = name
        self.scriptHash = scriptHash
        config = options.config
        executor = DedicatedThreadExecutor(name: "processor \(name) #\(worker)")
        lua = try LuaState(options.luaOptions)
        origin = LogOrigin(processor: name)
        try JSONLibrary.install(in: lua)
        try TimeLibrary.install(in: lua)
        try LogLibrary.install(in: lua, sink: options.log ?? LogSink(), origin: origin)
        if let metrics = options.metrics { try MetricsLibrary.install(in: lua, registry: metrics) }
    }

    deinit { executor.stop() }

    /// Loads the script (a broken one throws here). Returns whether the
    /// module may run in parallel states (see `ProcessorModule.parallel`),
    /// how often its timer runs, if it has one, and whether it reads `meta`.
    @discardableResult
    func load(source: String, chunkName: String) throws -> (parallel: Bool, every: Duration?, readsMeta: Bool) {
        emit = try EmitFunction(in: lua)
        let loaded = try ProcessorModule.load(source: source, chunkName: chunkName, in: lua)
        module = loaded
        let readsMeta = ProcessorModule.readsMeta(loaded.process, in: lua)
        meta = readsMeta ? try RecordMeta(in: lua) : nil
        return (loaded.parallel, loaded.timer?.every, readsMeta)
    }

    /// Runs the module's `init(ctx)`, if it has one.
    func initialize(worker: Int, workers: Int) throws {
        guard let initHook = module?.initHook else { return }
        try lua.call(initHook, DataValue.object(ProcessorModule.context(name: processorName, worker: worker, workers: workers, config: config)))
    }

    /// Whether the module has inline tests (`tests = { ... }`).
    func hasInlineTests() -> Bool { !(module?.tests.isNil ?? true) }

    /// What the module's `export_state()` returns, as data; nil without the hook.
    func exportState() throws -> DataValue? {
        guard let exportState = module?.exportState else { return nil }
        guard let value = try lua.call(exportState).first, !value.isNil else { return nil }
        return try lua.data(value, root: "export_state()")
    }

    /// Whether the module has both `export_state` and `migrate`: its state can be checkpointed and restored.
    var declaresState: Bool { module?.exportState != nil && module?.migrate != nil }

    /// Calls the module's `migrate(old_state, ctx)`, if it has one.
    func migrate(_ state: DataValue?, context: DataObject) throws {
        guard let migrate = module?.migrate else { return }
        if let state {
            try lua.call(migrate, state, DataValue.object(context))
        } else {
            try lua.call(migrate, LuaValue.nil, DataValue.object(context))
        }
    }

    /// The names in `package.loaded` that are not standard libraries: the
    /// modules the script required so far.
    func requiredModules() throws -> [String] {
        try lua.loadedModuleNames().filter { !Self.standardLibraries.contains($0) }
    }

    private static let standardLibraries: Set<String> = [
        "_G", "package", "coroutine", "table", "io", "os", "string", "math", "utf8", "debug",
    ]

    /// `work` on `inputs`, in this state.
    func run<Input>(_ work: (isolated LuaProcessorInstance, [Input]) -> [ProcessingResult], on inputs: [Input]) -> [ProcessingResult] {
        work(self, inputs)
    }

    /// `work` on each chunk this state takes from `chunks`, until none is left.
    func run<Input>(
        _ work: (isolated LuaProcessorInstance, [Input]) -> [ProcessingResult], taking chunks: BatchChunks<Input>
    ) -> [(index: Int, results: [ProcessingResult])] {
        var done: [(index: Int, results: [ProcessingResult])] = []
        while let chunk = chunks.take() { done.append((chunk.index, work(self, chunk.inputs))) }
        return done
    }

    /// Processes each record on its own: an error or a limit hit fails that record only.
    func process(batch records: [Record]) -> [ProcessingResult] {
        transform(records.map { (RecordInput($0), $0) })
    }

    /// Processes JSON documents, each decoded straight into a Lua table.
    /// A document that is not JSON fails with a decoding error.
    func process(documents: [JSONDocument]) -> [ProcessingResult] {
        transform(
            documents.map { document in (.text(document.bytes), document.record(holding: .null)) })
    }

    /// Calls `process` for each input; each record gives its outputs their source, sequence and time.
    private func transform(_ inputs: [(input: RecordInput, record: Record)]) -> [ProcessingResult] {
        guard let module, let emit else {
            return inputs.map { .failure(errorInfo(LuaError(.misuse, "processor not started"), record: $0.record)) }
        }
        return RecordTransform(lua: lua, process: module.process, emit: emit, meta: meta, origin: origin)
            .run(batch: inputs) { errorInfo($0, record: $1) }
    }

    /// Runs `shutdown(emit)`; returns what it emitted.
    func shutdown() -> Result<[EmittedRecord], ErrorInfo> {
        guard let shutdownHook = module?.shutdownHook, let emit else { return .success([]) }
        module?.shutdownHook = nil  // runs once
        emit.reset()
        do {
            try lua.call(shutdownHook, emit.function)
            return .success(emit.records)
        } catch {
            return .failure(errorInfo(error, record: nil))
        }
    }

    /// Runs `on_timer(emit, now)` (`now` in seconds since the epoch), under
    /// the processor's limits; returns what it emitted. What a failing call
    /// emitted before it failed is dropped, as for a failing record.
    func tick(now: Double) -> Result<[EmittedRecord], ErrorInfo> {
        guard let onTimer = module?.timer?.onTimer, let emit else { return .success([]) }
        emit.reset()
        do {
            try lua.call(onTimer, emit.function, now)
            return .success(emit.records)
        } catch {
            var info = errorInfo(error, record: nil)
            info.operation = "on_timer"
            return .failure(info)
        }
    }

    /// Bytes the state uses now.
    func memoryInUse() -> Int { lua.memoryInUse }

    private func errorInfo(_ error: any Error, record: Record?) -> ErrorInfo {
        RecordTransform.errorInfo(error, processor: processorName, scriptHash: scriptHash, record: record)
    }
}
