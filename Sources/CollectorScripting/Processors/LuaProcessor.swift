import CollectorValues
import Collectors
import Foundation
import LuaRuntime

/// A processor written in Lua, run sandboxed and under limits, and
/// reloadable while it runs.
///
/// Each record is processed in its own protected call with its own budget:
/// an error, an endless loop or a memory blow-up fails that record (its
/// result carries an `ErrorInfo` with the message, traceback, processor name
/// and script hash) and the next record runs normally. With `parallelism`
/// above 1, a batch is split across that many states, each on its own
/// thread, and the results come back in input order.
///
/// `reload()` loads a new version of the script into fresh states, runs its
/// inline tests and swaps it in between two batches, for all states at once;
/// a version that fails any step never runs, and one that fails on too many
/// of its first records is rolled back (see `ReloadPolicy` and
/// docs/hot-reload.md). `reloads` counts and reports what happened.
public final class LuaProcessor: JSONDocumentProcessor {
    /// Names the processor in errors, dead letters, events and log lines.
    public let name: String
    /// The file the processor was loaded from, if it was.
    public let file: String?
    /// The limits and parallelism of its states; every version gets the same.
    public let options: LuaProcessorOptions
    /// Counters, latest outcomes, events and log lines of the reloads.
    public let reloads = ReloadMonitor()
    private let chunkName: String
    /// Held by a batch, and by a swap: a batch runs entirely on one version.
    let batches = AsyncLock()
    /// One reload at a time.
    private let reloading = AsyncLock()
    let slot: Locked<Slot>
    /// Told when the version whose results are released changes (its timer may have).
    private let timerObservers = Locked<[@Sendable () -> Void]>([])
    /// The last sequence number given to a record the processor made itself
    /// (in `on_timer` or `shutdown`): they are a source of their own.
    private let madeRecords = Locked<UInt64>(0)

    /// The versions. Changed only while `batches` is held; read anywhere.
    struct Slot {
        /// The last good version: it processes whatever the candidate may not.
        var current: ProcessorVersion
        /// A swapped-in version that has not been judged yet.
        var candidate: (version: ProcessorVersion, probation: Probation)?
        var lastNumber = 1
    }

    private init(name: String, file: String?, chunkName: String, options: LuaProcessorOptions, version: ProcessorVersion) {
        self.name = name
        self.file = file
        self.chunkName = chunkName
        self.options = options
        slot = Locked(Slot(current: version))
    }

    /// Compiles `source` in each state and runs its `init` hook there, then
    /// the module's inline tests (in a state of their own). A syntax error, a
    /// runtime error at load, a failing `init` or a failing test throws a `LuaError`.
    public static func load(
        name: String, source: String, chunkName: String? = nil, options: LuaProcessorOptions = LuaProcessorOptions()
    ) async throws -> LuaProcessor {
        try await load(name: name, file: nil, source: source, chunkName: chunkName ?? "=\(name)", options: options)
    }

    /// Loads a processor file; its path names it in error messages, and `reload()` reads it again.
    public static func load(
        name: String? = nil, file path: String, options: LuaProcessorOptions = LuaProcessorOptions()
    ) async throws -> LuaProcessor {
        let source = try read(path)
        let fileName = path.split(separator: "/").last.map(String.init) ?? path
        let defaultName = fileName.hasSuffix(".lua") ? String(fileName.dropLast(4)) : fileName
        return try await load(name: name ?? defaultName, file: path, source: source, chunkName: "@\(path)", options: options)
    }

    private static func load(
        name: String, file: String?, source: String, chunkName: String, options: LuaProcessorOptions
    ) async throws -> LuaProcessor {
        let version: ProcessorVersion
        do {
            version = try await ProcessorVersion.load(name: name, source: source, chunkName: chunkName, options: options, number: 1)
        } catch {
            throw error.error
        }
        if let failure = await testFailure(of: version, source: source, chunkName: chunkName, name: name, options: options) {
            let place = ProcessorModule.displayName(chunkName) + (failure.line.map { ":\($0)" } ?? "")
            throw LuaError(.runtime, "\(place): \(failure.message)")
        }
        return LuaProcessor(name: name, file: file, chunkName: chunkName, options: options, version: version)
    }

    /// The first failing inline test of a loaded version, and the line that names it.
    private static func testFailure(
        of version: ProcessorVersion, source: String, chunkName: String, name: String, options: LuaProcessorOptions
    ) async -> (message: String, line: Int?)? {
        guard await version.instances[0].hasInlineTests() else { return nil }
        let tests = await InlineTests.run(source: source, chunkName: chunkName, name: name, options: options)
        guard let message = tests.firstFailure else { return nil }
        let location = tests.cases.first { !$0.passed }?.location
        return (message, location.flatMap { $0.split(separator: ":").last.flatMap { Int($0) } })
    }

    private static func read(_ path: String) throws -> String {
        var isDirectory: ObjCBool = false
        let problem: String
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            problem = "no such file"
        } else if isDirectory.boolValue {
            problem = "it is a directory"
        } else if let source = try? String(contentsOfFile: path, encoding: .utf8) {
            return source
        } else {
            problem = FileManager.default.isReadableFile(atPath: path) ? "it is not UTF-8 text" : "permission denied"
        }
        throw ErrorInfo(
            .configuration, layer: .scripting, operation: "load_processor",
            message: "cannot read processor file \(path): \(problem)", details: ["path": .string(path)])
    }

    // MARK: Processing

    public func process(_ record: Record) async throws -> ProcessingResult {
        await process(batch: [record]).first ?? .dropped
    }

    public func process(batch records: [Record]) async -> [ProcessingResult] {
        await run(records) { instance, part in instance.process(batch: part) }
    }

    public func process(documents: [JSONDocument]) async -> [ProcessingResult] {
        await run(documents) { instance, part in instance.process(documents: part) }
    }

    /// How many states run the processor.
    public var stateCount: Int { slot.withLock { $0.current.instances.count } }

    /// The number of the version whose results are released (1 for the first load).
    public var version: Int { slot.withLock { $0.current.number } }

    /// FNV-1a of the running version's source: which version of the script produced a result.
    public var scriptHash: String { slot.withLock { $0.current.hash } }

    /// Runs a batch on one version, under the batch lock. While a swapped-in
    /// version is on probation, its results are released only once its
    /// first records have judged it; see `Probation`.
    private func run<Input: Sendable>(
        _ inputs: [Input], _ work: @escaping @Sendable (isolated LuaProcessorInstance, [Input]) -> [ProcessingResult]
    ) async -> [ProcessingResult] {
        await batches.lock()
        defer { batches.unlock() }
        let (current, candidate) = slot.withLock { ($0.current, $0.candidate) }
        guard let candidate else { return await current.spread(inputs, work) }
        let results = await candidate.version.spread(inputs, work)
        var probation = candidate.probation
        switch probation.judge(results) {
        case .accepted:
            slot.withLock { s in
                s.current = candidate.version
                s.candidate = nil
            }
            timerMayHaveChanged()
            return results
        case .rejected:
            slot.withLock { $0.candidate = nil }
            let failure = probation.firstFailure
            reloads.record(
                outcome(
                    .rolledBack, candidate.version, running: current.number, stage: .probation, message: probation.summary,
                    file: failure?.details["chunk"]?.stringValue, line: failure?.details["line"]?.intValue.map(Int.init)))
            // The batch that tripped it is processed again, whole, by the good version.
            return await current.spread(inputs, work)
        case .undecided:
            slot.withLock { $0.candidate?.probation = probation }
            return await current.spread(inputs, work)
        }
    }

    // MARK: Reloading

    /// The processor file and the files of the modules the running version
    /// (and one on probation) required: what a watcher watches.
    public var watchedFiles: [String] {
        guard let file else { return [] }
        let (current, candidate) = slot.withLock { ($0.current, $0.candidate) }
        var files = [ModuleFiles.canonical(file)] + current.modules
        for module in candidate?.version.modules ?? [] where !files.contains(module) { files.append(module) }
        return files
    }

    /// Whether `source` (with the modules it required) is what the newest
    /// version was loaded from: a reload of it would be `unchanged`.
    public func isNewest(source: String) -> Bool {
        let newest = slot.withLock { $0.candidate?.version ?? $0.current }
        return ModuleFiles.fingerprint(source: source, modules: newest.modules) == newest.fingerprint
    }

    /// `source` loaded as a processor of its own, with this one's name,
    /// options and chunk name (so its errors point at the same file), as
    /// `load` does (init, inline tests): what a shadow run compares with
    /// this one before `reload(source:)` swaps it in.
    public func loadSibling(source: String) async throws -> LuaProcessor {
        try await Self.load(name: name, file: nil, source: source, chunkName: chunkName, options: options)
    }

    /// Reads the processor file again and reloads it (see `reload(source:)`).
    /// A file that cannot be read (deleted, a directory) is a failed reload: the running version stays.
    @discardableResult
    public func reload() async -> ReloadOutcome {
        await reloading.lock()
        defer { reloading.unlock() }
        let number = slot.withLock { $0.current.number }
        guard let file else {
            return conclude(.failed, number: number, hash: "", stage: .read, message: "the processor was not loaded from a file")
        }
        let source: String
        do {
            source = try Self.read(file)
        } catch {
            let message = (error as? ErrorInfo)?.message ?? "\(error)"
            return conclude(.failed, number: number, hash: "", stage: .read, message: message, file: file)
        }
        return await reloadHoldingLock(source: source)
    }

    /// Loads `source` as the next version: into fresh states under the same
    /// options, runs `init` in each and the module's inline tests, then,
    /// between two batches, hands the running version's `export_state()` to
    /// the new one's `migrate` and swaps it in for all states at once. A
    /// failure at any step leaves the running version in place.
    @discardableResult
    public func reload(source: String) async -> ReloadOutcome {
        await reloading.lock()
        defer { reloading.unlock() }
        return await reloadHoldingLock(source: source)
    }

    private func reloadHoldingLock(source: String) async -> ReloadOutcome {
        let (running, candidate) = slot.withLock { ($0.current, $0.candidate) }
        let newest = candidate?.version ?? running
        if ModuleFiles.fingerprint(source: source, modules: newest.modules) == newest.fingerprint {
            return conclude(.unchanged, number: newest.number, hash: newest.hash)
        }
        let number = slot.withLock { s -> Int in
            s.lastNumber += 1
            return s.lastNumber
        }
        let version: ProcessorVersion
        do {
            version = try await ProcessorVersion.load(name: name, source: source, chunkName: chunkName, options: options, number: number)
        } catch {
            return failed(number: number, source: source, error)
        }
        if let failure = await Self.testFailure(of: version, source: source, chunkName: chunkName, name: name, options: options) {
            return conclude(
                .failed, number: number, hash: version.hash, stage: .test, message: failure.message,
                file: file ?? ProcessorModule.displayName(chunkName), line: failure.line)
        }
        // The swap: between two batches, for every state at once.
        await batches.lock()
        defer { batches.unlock() }
        let (good, abandoned) = slot.withLock { ($0.current, $0.candidate?.version) }
        do {
            try await version.migrate(from: good, name: name)
        } catch {
            return failed(number: number, source: source, error)
        }
        if let abandoned {
            reloads.note("processor \(name): version \(abandoned.number) is replaced by version \(number) before enough records judged it; it released no results")
        }
        let probation = Probation(policy: options.reloadPolicy)
        slot.withLock { s in
            if options.reloadPolicy.probationRecords == 0 {
                s.current = version
                s.candidate = nil
            } else {
                s.candidate = (version, probation)
            }
        }
        if options.reloadPolicy.probationRecords == 0 { timerMayHaveChanged() }
        let note = options.reloadPolicy.probationRecords == 0 ? "" : "on probation for its first \(options.reloadPolicy.probationRecords) records"
        let reloaded = outcome(.reloaded, version, running: number, message: note)
        reloads.record(reloaded)
        return reloaded
    }

    private func failed(number: Int, source: String, _ error: ProcessorVersion.LoadError) -> ReloadOutcome {
        let lua = error.error
        // A module that failed to load is quoted inside require's message: its own path is the last word.
        let place = lua.chunkName.flatMap { $0.split(whereSeparator: \.isWhitespace).last.map(String.init) }
            ?? file ?? ProcessorModule.displayName(chunkName)
        return conclude(
            .failed, number: number, hash: ScriptHash.of(source), stage: error.stage, message: lua.message, file: place, line: lua.line)
    }

    private func conclude(
        _ kind: ReloadOutcome.Kind, number: Int, hash: String, stage: ReloadStage? = nil, message: String = "",
        file: String? = nil, line: Int? = nil
    ) -> ReloadOutcome {
        let running = slot.withLock { $0.current.number }
        let result = ReloadOutcome(
            kind: kind, processor: name, version: number, scriptHash: hash, runningVersion: running, stage: stage,
            message: message, file: file, line: line)
        reloads.record(result)
        return result
    }

    private func outcome(
        _ kind: ReloadOutcome.Kind, _ version: ProcessorVersion, running: Int, stage: ReloadStage? = nil, message: String,
        file: String? = nil, line: Int? = nil
    ) -> ReloadOutcome {
        ReloadOutcome(
            kind: kind, processor: name, version: version.number, scriptHash: version.hash, runningVersion: running,
            stage: stage, message: message, file: file, line: line)
    }

    // MARK: Timer

    /// Whether the running version (or one on probation) reads `meta`.
    public var readsOrigin: Bool {
        slot.withLock { $0.current.readsMeta || ($0.candidate?.version.readsMeta ?? false) }
    }

    /// The `every` of the version whose results are released; nil when it
    /// has no `on_timer`. A version on probation takes its timer over once
    /// it has passed.
    public var timerInterval: Duration? { slot.withLock { $0.current.every } }

    /// Each state's `on_timer(emit, now)`, in worker order, between two
    /// batches: what it emitted, as records of this processor (source id:
    /// its name, collected at `now`), or the error of a call that failed.
    ///
    /// While a reloaded version is on probation, its `on_timer` runs too, so
    /// that its state moves on as the good version's does, and the good
    /// version's records are released (as for a batch on probation).
    public func tick(now: Date) async -> [ProcessingResult] {
        await batches.lock()
        defer { batches.unlock() }
        let (current, candidate) = slot.withLock { ($0.current, $0.candidate?.version) }
        let seconds = now.timeIntervalSince1970
        if let candidate {
            for case .failure(let error) in await candidate.tick(now: seconds) {
                reloads.note("processor \(name): on_timer of version \(candidate.number), on probation, failed: \(error.message)")
            }
        }
        return records(await current.tick(now: seconds), at: now)
    }

    public func observeTimer(_ changed: @escaping @Sendable () -> Void) {
        timerObservers.withLock { $0.append(changed) }
    }

    private func timerMayHaveChanged() {
        for observer in timerObservers.withLock({ $0 }) { observer() }
    }

    /// What the states' hooks emitted, as records of this processor, numbered on from the last.
    private func records(_ results: [Result<[EmittedRecord], ErrorInfo>], at time: Date = Date()) -> [ProcessingResult] {
        results.map { result in
            switch result {
            case .success(let values):
                let first = madeRecords.withLock { last in
                    defer { last += UInt64(values.count) }
                    return last + 1
                }
                return .success(values.enumerated().map { index, emitted in
                    var record = Record(emitted.value, sourceID: name, sequence: first + UInt64(index), collectedAt: time)
                    record.route = emitted.route
                    return record
                })
            case .failure(let error):
                return .failure(error)
            }
        }
    }

    // MARK: Draining

    /// Each state's `shutdown(emit)`: what it emitted, as records of this
    /// processor (source id: its name), or the error of a hook that failed.
    public func finish() async -> [ProcessingResult] {
        records(await shutdownEmitted())
    }

    /// Runs each state's `shutdown(emit)` hook; returns what they emitted, in
    /// state order. A version still on probation released no results, so it
    /// is dropped and the last good version's hooks run.
    public func shutdown() async -> [Result<[DataValue], ErrorInfo>] {
        await shutdownEmitted().map { $0.map { $0.map(\.value) } }
    }

    /// `shutdown()`, with the outputs each emitted record was sent to.
    func shutdownEmitted() async -> [Result<[EmittedRecord], ErrorInfo>] {
        await batches.lock()
        defer { batches.unlock() }
        let (current, abandoned) = slot.withLock { s in
            let abandoned = s.candidate?.version
            s.candidate = nil
            return (s.current, abandoned)
        }
        if let abandoned {
            reloads.note("processor \(name): version \(abandoned.number) was still on probation when the pipeline ended; version \(current.number) finishes")
        }
        var results: [Result<[EmittedRecord], ErrorInfo>] = []
        for instance in current.instances { results.append(await instance.shutdown()) }
        return results
    }

    /// Bytes each state uses now.
    public func memoryInUse() async -> [Int] {
        var sizes: [Int] = []
        for instance in slot.withLock({ $0.current.instances }) { sizes.append(await instance.memoryInUse()) }
        return sizes
    }
}
