import CollectorValues
import Collectors
import LuaRuntime

/// One version of a processor's script, loaded into states of its own: what
/// a reload builds beside the running version and swaps in whole.
final class ProcessorVersion: Sendable {
    /// Why a version did not load: where, and Lua's error.
    struct LoadError: Error {
        var stage: ReloadStage
        var error: LuaError
    }

    /// 1 for the first version of a processor, then one more per reload attempt.
    let number: Int
    let source: String
    /// `ScriptHash` of the source.
    let hash: String
    /// The source and the files of the modules it required: what says whether a change changed anything.
    let fingerprint: String
    /// The files of the modules it required (when it loaded or in `init`).
    let modules: [String]
    let instances: [LuaProcessorInstance]
    /// How often the module's `on_timer` runs; nil without one.
    let every: Duration?
    /// Whether its `process` reads `meta` (see `ProcessorModule.readsMeta`).
    let readsMeta: Bool

    private init(
        number: Int, source: String, hash: String, modules: [String], instances: [LuaProcessorInstance], every: Duration?,
        readsMeta: Bool
    ) {
        self.readsMeta = readsMeta
        self.number = number
        self.source = source
        self.hash = hash
        self.modules = modules
        fingerprint = ModuleFiles.fingerprint(source: source, modules: modules)
        self.instances = instances
        self.every = every
    }

    /// Loads the script into fresh states (as many as `options` says, or
    /// one when the module runs in one state: `parallel = false`, or a timer
    /// without `parallel = true`) and runs `init` in each.
    static func load(
        name: String, source: String, chunkName: String, options: LuaProcessorOptions, number: Int
    ) async throws(LoadError) -> ProcessorVersion {
        let hash = ScriptHash.of(source)
        func start(_ worker: Int) async throws(LoadError) -> (LuaProcessorInstance, (parallel: Bool, every: Duration?, readsMeta: Bool)) {
            do {
                let instance = try LuaProcessorInstance(name: name, scriptHash: hash, options: options, worker: worker)
                return (instance, try await instance.load(source: source, chunkName: chunkName))
            } catch let error as LuaError {
                throw LoadError(stage: error.kind == .syntax ? .compile : .load, error: error)
            } catch {
                throw LoadError(stage: .load, error: LuaError(.runtime, "\(error)"))
            }
        }
        // The first state says whether the module allows more, and whether it has a timer.
        let (first, shape) = try await start(1)
        let workers = shape.parallel ? options.parallelism : 1
        var instances = [first]
        for worker in stride(from: 2, through: workers, by: 1) { instances.append(try await start(worker).0) }
        var modules: [String] = []
        do {
            for (index, instance) in instances.enumerated() {
                try await instance.initialize(worker: index + 1, workers: workers)
            }
            modules = ModuleFiles.resolve(try await first.requiredModules(), templates: options.modulePaths)
        } catch let error as LuaError {
            throw LoadError(stage: .initialize, error: error)
        } catch {
            throw LoadError(stage: .initialize, error: LuaError(.runtime, "\(error)"))
        }
        return ProcessorVersion(
            number: number, source: source, hash: hash, modules: modules, instances: instances, every: shape.every,
            readsMeta: shape.readsMeta)
    }

    /// Each state's `on_timer(emit, now)`, in worker order: what it emitted, or its error.
    func tick(now: Double) async -> [Result<[EmittedRecord], ErrorInfo>] {
        var results: [Result<[EmittedRecord], ErrorInfo>] = []
        for instance in instances { results.append(await instance.tick(now: now)) }
        return results
    }

    /// Runs the inputs in the states concurrently, each state taking chunks
    /// of them in turn, and joins the results in input order.
    func spread<Input: Sendable>(
        _ inputs: [Input], _ work: @escaping @Sendable (isolated LuaProcessorInstance, [Input]) -> [ProcessingResult]
    ) async -> [ProcessingResult] {
        guard instances.count > 1, inputs.count > 1 else {
            return await instances[0].run(work, on: inputs)
        }
        // Each state takes chunks until none is left (one hop per state and batch).
        let chunks = BatchChunks(inputs, states: instances.count)
        return await withTaskGroup(of: [(index: Int, results: [ProcessingResult])].self) { group in
            for instance in instances {
                group.addTask { await instance.run(work, taking: chunks) }
            }
            var parts = [[ProcessingResult]](repeating: [], count: chunks.count)
            for await done in group {
                for part in done { parts[part.index] = part.results }
            }
            return parts.flatMap { $0 }
        }
    }

    /// Hands the state of `previous` over: each of its states' `export_state()`
    /// goes to the `migrate(old_state, ctx)` of the state with the same
    /// number here (`ctx.states` has them all, for a version that changed how
    /// many states it runs). A failure of either hook throws.
    func migrate(from previous: ProcessorVersion, name: String) async throws(LoadError) {
        do {
            var exported: [DataValue?] = []
            for instance in previous.instances { exported.append(try await instance.exportState()) }
            for (index, instance) in instances.enumerated() {
                var context = ProcessorModule.context(name: name, worker: index + 1, workers: instances.count, config: instance.config)
                context["from_version"] = .integer(Int64(previous.number))
                context["states"] = .array(exported.map { $0 ?? .null })
                try await instance.migrate(index < exported.count ? exported[index] : nil, context: context)
            }
        } catch let error as LuaError {
            throw LoadError(stage: .migrate, error: error)
        } catch {
            throw LoadError(stage: .migrate, error: LuaError(.runtime, "\(error)"))
        }
    }
}
