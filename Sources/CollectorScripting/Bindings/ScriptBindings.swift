import CollectorValues
import Collectors
import Foundation
import LuaRuntime

/// The engine's Lua API in one state: `source.*`, `storage.*`, `processor.*`
/// and `pipeline`. A script registers pipelines; `runPendingPipelines()` runs them.
///
///     let lua = try LuaState(LuaOptions(libraries: .full))
///     let bindings = try ScriptBindings(installingIn: lua, scriptPath: "main.lua")
///     try lua.call(try lua.load(source, name: "@main.lua"))
///     let outcomes = try bindings.runPendingPipelines()
public final class ScriptBindings {
    /// The pipelines registered so far, in order.
    public private(set) var pipelines: [PipelineDefinition] = []
    /// Relative processor paths are resolved from here (the script's directory).
    public let baseDirectory: String
    /// `require` templates for processors.
    public let modulePaths: [String]
    /// Runs the script's own functions (processors, event handlers) while pipelines run.
    public let loop = ScriptLoop()
    /// The engine's events, for `on(...)` and for embedders.
    public let events = EventBus()
    /// Where `log.*` and the engine's error lines go.
    public let log: LogSink
    /// What `env(...)` reads.
    public let environment: ScriptEnvironment
    /// The engine's metrics and the script's own (`metrics.*`), served with `--metrics`.
    public let metrics: MetricsRegistry
    /// The `source` and `storage` tables, where `addSource` and `addStorage` put constructors.
    var sourceConstructors: ConstructorTable?
    var storageConstructors: ConstructorTable?
    /// A backend the script made writes records to standard output
    /// (`StandardOutputWriter`): the program's own lines belong elsewhere.
    public internal(set) var standardOutputTaken = false
    /// The connectors added so far (those given to `init`, then `add(_:)`'s), in order.
    public internal(set) var connectors: [ConnectorDescription] = []
    private var counters: [String: Int] = [:]
    private var usedIDs = Set<String>()
    /// The pipelines' spools (the `spool` option).
    let spools: ScriptSpools
    /// The pipelines' resume stores (the `resume` option).
    let resumeStores: ScriptResumeStores

    /// How a script's pipelines are run.
    public struct Settings: Sendable {
        /// Lua states per processor file when the script does not say (`--workers`); nil: one per core.
        public var workers: Int?
        /// Polling sources collect once (`--once`).
        public var once = false
        /// Build everything, run nothing (`collector check`): `run()` does nothing.
        public var checkOnly = false
        /// How long a pipeline's drain may take once its sources have stopped
        /// (`--drain-timeout`); past it, what is in flight goes to the spool and
        /// what the spool holds stays there. `nil`: no limit (a backend that
        /// stays down then keeps the run waiting).
        public var drainTimeout: Duration?
        /// Reload processor files when they change, from the first pipeline's start (`--watch`).
        public var watch = false
        /// Replay dead letters through one pipeline instead of running its sources (`collector replay`).
        public var replay: DeadLetterReplay?
        /// Where pipelines keep their resume state (`--state-dir`); set, every
        /// pipeline resumes (unless it says `resume = false`).
        public var stateDirectory: String?
        /// With `watch`: a saved processor runs beside the live one (a shadow
        /// run) instead of replacing it (`--shadow`); see `ShadowWatch`.
        public var shadow: ShadowWatch.Settings?
        /// Record a processor's next records into a golden test file, then stop (`collector test --record`).
        public var recording: GoldenRecording?
        /// Cluster mode from the command line (`--cluster URL`): the pipelines share their sources.
        public var clusterURL: String?

        public init(
            workers: Int? = nil, once: Bool = false, checkOnly: Bool = false, watch: Bool = false,
            drainTimeout: Duration? = .seconds(30)
        ) {
            self.workers = workers
            self.once = once
            self.checkOnly = checkOnly
            self.watch = watch
            self.drainTimeout = drainTimeout
        }

        /// A duration as scripts write them (`"30s"`, `"500ms"`, `"2m"`, or seconds); nil if it is not one.
        public static func duration(parsing text: String) -> Duration? {
            Units.duration(text)
        }

        /// A size as scripts write them (`"64KB"`, `"5MB"`, `"1GB"`, or bytes); nil if it is not one.
        public static func size(parsing text: String) -> Int? {
            if case .valid(let size) = Units.parseSize(text) { size } else { nil }
        }
    }

    public let settings: Settings

    /// Cluster mode as asked (`--cluster`, `cluster {}`); `nil`: every source is collected here.
    public var clusterRequest: ClusterRequest?
    /// Connects to the cluster the script asked for (the `collector` program gives one; it links PostgreSQL).
    public var clusterConnector: (@Sendable (ClusterRequest) throws -> any SourceLeases)?
    /// The cluster, once the first pipeline started in cluster mode.
    public private(set) var cluster: (any SourceLeases)?
    /// The cluster's name when the script does not give one: the script's file name.
    let defaultClusterName: String
    var hasStartedPipelines: Bool { handles.contains { $0.state != .pending } }

    /// Installs the Lua API in `lua` with `connectors` as `source.*` and
    /// `storage.*` (none by default: Lua processors alone link no connector's
    /// C library; the `collector` program passes `BuiltinConnectors.all` of
    /// the CollectorConnectors module). `spool` makes the pipelines' spools;
    /// without one a pipeline has none, and a script that asks for one gets an error.
    public init(
        installingIn lua: LuaState, scriptPath: String, environment: ScriptEnvironment = ScriptEnvironment(),
        log: LogSink = LogSink(), settings: Settings = Settings(), metrics: MetricsRegistry = MetricsRegistry(),
        connectors: [ConnectorDescription] = [], spool: SpoolConnector? = nil, resume: ResumeConnector? = nil
    ) throws {
        self.metrics = metrics
        self.environment = environment
        self.log = log
        self.settings = settings
        var base = "."
        if let slash = scriptPath.lastIndex(of: "/") {
            base = slash == scriptPath.startIndex ? "/" : String(scriptPath[..<slash])
        }
        baseDirectory = base
        let file = scriptPath.split(separator: "/").last.map(String.init) ?? scriptPath
        defaultClusterName = file.hasSuffix(".lua") ? String(file.dropLast(4)) : file
        if let url = settings.clusterURL { clusterRequest = ClusterRequest(url: url, name: defaultClusterName) }
        modulePaths = ["\(base)/?.lua", "\(base)/?/init.lua"]
        spools = ScriptSpools(scriptPath: scriptPath, connector: spool)
        resumeStores = ScriptResumeStores(scriptPath: scriptPath, stateDirectory: settings.stateDirectory, connector: resume)
        try lua.register(ScriptSource.luaType(loop: loop))
        try lua.register(ScriptStorage.luaType(in: lua, loop: loop, checkOnly: settings.checkOnly))
        try lua.register(ScriptProcessor.luaType)
        try lua.register(ScriptPipeline.luaType(in: lua))
        sourceConstructors = try ConstructorTable("source", in: lua)
        storageConstructors = try ConstructorTable("storage", in: lua)
        for connector in connectors { try add(connector) }
        try ProcessorBindings.install(in: lua, bindings: self)
        try PipelineBindings.install(in: lua, bindings: self)
        try JSONLibrary.install(in: lua)
        try TimeLibrary.install(in: lua)
        try LogLibrary.install(in: lua, sink: log, origin: LogOrigin(processor: nil))
        try EnvironmentBindings.install(in: lua, environment: environment)
        try EventBindings.install(in: lua, bindings: self)
        try RunBindings.install(in: lua, bindings: self)
        try ClusterBindings.install(in: lua, bindings: self)
        try MetricsLibrary.install(in: lua, registry: metrics)
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

    /// The spool of a pipeline's `spool` option (see `ScriptSpools`).
    func spool(for value: LuaValue?, what: String, in lua: LuaState) throws -> (spool: any Spool, path: String)? {
        try spools.spool(for: value, what: what, in: lua)
    }

    func register(_ pipeline: PipelineDefinition) -> ScriptPipeline {
        pipelines.append(pipeline)
        let handle = ScriptPipeline(pipeline, bindings: self)
        handles.append(handle)
        return handle
    }

    /// What one pipeline run gave.
    public struct Outcome: Sendable {
        public var name: String
        /// One line: records in, out, dropped, failed, dead letters, stored per backend.
        public var summary: String
        public var succeeded: Bool
        public var report: PipelineReport?
        public var backendIDs: [String]
        /// Records its backends left in the spool (replayed by the next run).
        public var leftInSpool: Int { report?.spooled.values.reduce(0, +) ?? 0 }
        /// The spool's file, if the pipeline had one.
        public var spoolPath: String?
        /// Records that came out of the processors and that a backend did not
        /// store (refused, or failed with no spool to take them).
        public var notStored: Int { report?.storage.failed.values.reduce(0, +) ?? 0 }
    }

    /// Stops the running pipelines gracefully (from a signal handler).
    public let stopper = PipelineStopper()
    /// The handle of each registered pipeline, in order.
    public private(set) var handles: [ScriptPipeline] = []
    /// Every pipeline run to its end so far, in the order they were registered.
    public var outcomes: [Outcome] { handles.compactMap(\.outcome) }

    private let live = Locked([Pipeline]())

    /// Totals of the pipelines running now, for a status line.
    public func liveTotals() async -> (input: Int, output: Int, dropped: Int, failed: Int) {
        var totals = (input: 0, output: 0, dropped: 0, failed: 0)
        for pipeline in live.withLock({ $0 }) {
            let stats = await pipeline.processing.statistics
            totals.input += stats.input
            totals.output += stats.output
            totals.dropped += stats.dropped
            totals.failed += stats.failed
        }
        return totals
    }

    /// Ready while every running pipeline is (for `/ready`); not ready before or after.
    public func readiness() async -> Readiness {
        let pipelines = live.withLock { $0 }
        guard !pipelines.isEmpty else { return .notReady("no pipeline is running") }
        var parts: [Readiness] = []
        for pipeline in pipelines { parts.append(await pipeline.readiness()) }
        return Readiness.all(parts)
    }

    /// Healthy unless a running pipeline has had records waiting with none
    /// moving on for `stallTimeout` (for `/health`: a stuck collector is restarted).
    public func health(stallTimeout: Duration) -> Readiness {
        Readiness(reasons: live.withLock { $0 }.compactMap { $0.stall(after: stallTimeout) })
    }

    /// Whether pipelines are running now (a signal should stop them rather than interrupt Lua).
    public var isRunningPipelines: Bool { live.withLock { !$0.isEmpty } }

    /// Whether some registered pipelines have not started yet.
    public var hasPendingPipelines: Bool { handles.contains { $0.state == .pending } }

    /// Starts the registered pipelines that have not started, then waits for
    /// every running one (those started with `p:start()` too) to end — their
    /// sources end, or `stopper` stops them (they drain and flush). Functions
    /// of the script run on this thread meanwhile. Returns what ended now.
    @discardableResult
    public func runPendingPipelines() throws -> [Outcome] {
        guard !settings.checkOnly else { return [] }
        if let replay = settings.replay { return try runReplay(replay) }
        // Nothing to start or wait for is served anywhere; anything else is a wait.
        if handles.contains(where: { $0.state != .finished }) { try refuseWaitInsideJob("run()") }
        for handle in handles where handle.state == .pending { try handle.start() }
        let running = handles.filter { $0.state == .running }
        guard !running.isEmpty else { return [] }
        for handle in running { try handle.wait() }
        return running.compactMap(\.outcome)
    }

    private var watcher: ProcessorWatcher?
    /// The pipeline a replay feeds, once one has started.
    var replayedPipeline: String?

    /// Stops reloading processor files (`--watch`); shadow runs end with a last line of counts.
    public func stopWatching() {
        watcher?.stop()
        watcher = nil
        if let shadows = shadowBox.withLock({ box in defer { box = nil }; return box }) {
            try? loop.run { await shadows.stop() }
        }
    }

    /// `settings.recording` under way, once the pipeline with its processor started.
    private var recordingTask: Task<GoldenRecording.Outcome, Never>?

    /// What came of `settings.recording`, once it is over (nil: no pipeline
    /// with the processor started).
    public func recordingOutcome() -> GoldenRecording.Outcome? {
        guard let task = recordingTask else { return nil }
        return try? loop.run { await task.value }
    }

    /// The shadow runs of `--watch --shadow`, once the first pipeline started (read from any thread: a signal).
    public internal(set) var shadowWatch: ShadowWatch? {
        get { shadowBox.withLock { $0 } }
        set { shadowBox.withLock { $0 = newValue } }
    }
    private let shadowBox = Locked<ShadowWatch?>(nil)

    /// Where `processor` sits in the pipelines running now.
    func placements(of processor: LuaProcessor) async -> [(ProcessingManager, Int)] {
        var found: [(ProcessingManager, Int)] = []
        for pipeline in live.withLock({ $0 }) {
            for (index, candidate) in await pipeline.processing.currentProcessors.enumerated()
            where (candidate as? LuaProcessor) === processor {
                found.append((pipeline.processing, index))
            }
        }
        return found
    }

    /// Builds and starts one pipeline in the background (see `ScriptPipeline.start()`).
    func start(_ definition: PipelineDefinition) throws -> (Pipeline, Task<Outcome, Never>) {
        if settings.watch, watcher == nil { watcher = try watchProcessors() }
        var definition = definition
        if let replay = settings.replay { definition = try replaying(replay, through: definition) }
        let pipeline = try definition.makePipeline(
            emitter: events, log: log, metrics: metrics, drainTimeout: settings.drainTimeout,
            leases: settings.replay == nil ? try joinCluster() : nil)
        if let recording = settings.recording, recordingTask == nil {
            if let place = try recording.place(in: definition) {
                let stopper = self.stopper
                let named = definition
                // Registered before the pipeline starts: a module's state is recorded from its start.
                let (ready, isReady) = AsyncStream<Void>.makeStream()
                recordingTask = Task {
                    await GoldenRecording.run(
                        recording.count, at: place, of: named, in: pipeline, stop: { stopper.stop() }, registered: { isReady.finish() })
                }
                try loop.run { for await _ in ready {} }
            } else if !handles.contains(where: { $0.definition.processors.contains { $0.name == recording.processor } }) {
                let names = handles.flatMap { $0.definition.processors.map(\.name) }
                throw GoldenRecording.Problem(
                    description: "--record: no pipeline has a processor named '\(recording.processor)'"
                        + (names.isEmpty ? "" : " (processors: \(names.joined(separator: ", ")))"))
            }
        }
        // Held open until `wait` has run the loop for it (see ScriptLoop.retain).
        loop.retain()
        live.withLock { $0.append(pipeline) }
        stopper.add(pipeline)
        let task = Self.launch(definition, pipeline)
        return (pipeline, task)
    }

    /// The cluster the pipelines share their sources in, connected on first use; `nil` outside cluster mode.
    private func joinCluster() throws -> (any SourceLeases)? {
        if let cluster { return cluster }
        guard let request = clusterRequest else { return nil }
        guard let connector = clusterConnector else {
            throw LuaCallError("cluster mode is not available in this program (it needs the PostgreSQL connector)")
        }
        let joined = try connector(request)
        cluster = joined
        return joined
    }

    private static func launch(_ definition: PipelineDefinition, _ pipeline: Pipeline) -> Task<Outcome, Never> {
        Task { await run(definition, pipeline) }
    }

    /// A wait for pipelines from inside a function the engine called (a
    /// processing function, an event handler) would wait for itself: the
    /// pipeline cannot end, or deliver its last events, while that function
    /// runs. It is an error at the call instead.
    func refuseWaitInsideJob(_ what: String) throws {
        guard loop.inJob else { return }
        throw LuaCallError(
            "\(what) cannot wait for pipelines from inside a function the engine calls while they run "
                + "(a processing function or an on() handler): it would wait for itself; call it from the script's main code")
    }

    /// Waits for a started pipeline, running the script's functions meanwhile; then delivers its last events.
    func wait(for task: Task<Outcome, Never>, pipeline: Pipeline) throws -> Outcome {
        let events = self.events
        let log = self.log
        // Interrupted (Ctrl-C in the REPL): the pipeline goes on, still held open for its next wait.
        let outcome = try loop.run { () async -> Outcome in
            let outcome = await task.value
            await events.drain()  // handlers see every event of the run
            log.flush()
            return outcome
        }
        loop.release()
        live.withLock { $0.removeAll { $0 === pipeline } }
        return outcome
    }

    private static func run(_ definition: PipelineDefinition, _ pipeline: Pipeline) async -> Outcome {
        let backendIDs = definition.backends.map(\.id)
        // A lease of its own, even when it is also one of the pipeline's backends.
        let deadLetter = definition.deadLetter
        do { try await deadLetter?.connect() } catch {
            let info = ErrorInfo(from: error, layer: .storage, operation: "connect")
            let line = "pipeline \(definition.name): dead-letter backend failed: \(info.message)"
            return Outcome(
                name: definition.name, summary: line, succeeded: false, report: nil, backendIDs: backendIDs,
                spoolPath: definition.spoolPath)
        }
        for (source, mode) in definition.sources { try? await pipeline.add(source, mode: mode) }
        let report = await pipeline.run()
        await deadLetter?.disconnect()
        // Closed once the pipeline ended (a pipeline sharing the file opens it again on its next use).
        await definition.spool?.close()
        let line = PipelineDefinition.summary(
            name: definition.name, report: report, backendIDs: backendIDs, outputs: definition.routing?.outputs ?? [],
            spoolPath: definition.spoolPath)
        return Outcome(
            name: definition.name, summary: line, succeeded: report.status != .failed && report.storage.failed.values.allSatisfy { $0 == 0 },
            report: report,
            backendIDs: backendIDs, spoolPath: definition.spoolPath)
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

extension ScriptBindings {
    /// Stops the pipelines still running (started with `p:start()`) and waits
    /// for their drain, for a script or session that ends early (an error,
    /// `os.exit()`, SIGTERM): what they collected is still stored. Returns
    /// what ended now. Pending pipelines are not started.
    public func drainStarted() -> [Outcome] {
        let running = handles.filter { $0.state == .running }
        guard !running.isEmpty else { return [] }
        stopper.stop()
        return running.compactMap { try? $0.wait() }
    }
}
