import CollectorValues
import Collectors
import Foundation
import LuaRuntime

/// One Lua state running a processor script, on a thread of its own.
///
/// The script is either a module table with `process(record, emit)` and the
/// optional hooks `init(ctx)` and `shutdown(emit)`, a plain function
/// `function(record, emit)`, or a chunk that defines a global `process`.
/// `process` returns the record (kept), nil (dropped) or a new table, and may
/// call `emit(t)` any number of times to send more records.
actor LuaProcessorInstance {
    private let executor: DedicatedThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private let lua: LuaState
    private let processorName: String
    private let scriptHash: String
    private var process: LuaFunction?
    private var initHook: LuaFunction?
    private var shutdownHook: LuaFunction?
    private var emitFunction: LuaFunction?
    /// Records `emit` received during the current call, in order.
    private let emitted = EmittedRecords()
    private let origin: LogOrigin

    init(name: String, scriptHash: String, options: LuaProcessorOptions, worker: Int) throws {
        processorName = name
        self.scriptHash = scriptHash
        executor = DedicatedThreadExecutor(name: "processor \(name) #\(worker)")
        lua = try LuaState(options.luaOptions)
        origin = LogOrigin(processor: name)
        try JSONLibrary.install(in: lua)
        try LogLibrary.install(in: lua, sink: options.log ?? LogSink(), origin: origin)
        if let metrics = options.metrics { try MetricsLibrary.install(in: lua, registry: metrics) }
    }

    deinit { executor.stop() }

    /// Loads the script and runs its `init(ctx)`; a broken script throws here.
    /// Returns false when the module opts out of parallel states (`parallel = false`).
    @discardableResult
    func start(source: String, chunkName: String, worker: Int, workers: Int) throws -> Bool {
        var parallel = true
        emitFunction = try emitted.makeEmitFunction(in: lua)
        let chunk = try lua.load(source, name: chunkName)
        let returned = try lua.call(chunk)
        switch returned.first {
        case .function(let f)?:
            process = f
        case .table(let module)?:
            process = try lua.get(module, "process").functionValue
            initHook = try lua.get(module, "init").functionValue
            shutdownHook = try lua.get(module, "shutdown").functionValue
            switch try lua.get(module, "parallel") {
            case .nil: break
            case .boolean(let allowed): parallel = allowed
            case let other:
                throw LuaError(.runtime, "\(chunkName): the module's 'parallel' must be a boolean, got \(other.typeName)")
            }
            if process == nil {
                throw LuaError(.runtime, "\(chunkName): the module has no process(record, emit) function")
            }
        default:
            process = try lua.global("process").functionValue
            if process == nil {
                throw LuaError(
                    .runtime, "\(chunkName): the script returns neither a function nor a module with process(record, emit)")
            }
        }
        if let initHook {
            let context: DataValue = ["name": .string(processorName), "worker": .integer(Int64(worker)), "workers": .integer(Int64(workers))]
            try lua.call(initHook, context)
        }
        return parallel
    }

    /// Processes each record on its own: an error or a limit hit fails that record only.
    func process(batch records: [Record]) -> [ProcessingResult] {
        var results: [ProcessingResult] = []
        results.reserveCapacity(records.count)
        for record in records { results.append(transform(record.value, as: record)) }
        return results
    }

    /// Processes JSON documents, each decoded straight into a Lua table.
    /// A document that is not JSON fails with a decoding error.
    func process(documents: [JSONDocument]) -> [ProcessingResult] {
        var results: [ProcessingResult] = []
        results.reserveCapacity(documents.count)
        for document in documents {
            let record = Record(
                .null, sourceID: document.sourceID, sequence: document.sequence, collectedAt: document.collectedAt,
                id: document.id)
            results.append(transform(JSONText(document.bytes), as: record))
        }
        return results
    }

    /// One call of `process`; `record` gives the outputs their source, sequence and time.
    private func transform(_ input: some LuaPushable, as record: Record) -> ProcessingResult {
        guard let process, let emitFunction else {
            return .failure(errorInfo(LuaError(.misuse, "processor not started"), record: record))
        }
        return RecordTransform(lua: lua, process: process, emit: emitFunction, emitted: emitted, origin: origin)
            .run(input, as: record) { errorInfo($0, record: record) }
    }

    /// Runs `shutdown(emit)`; returns what it emitted.
    func shutdown() -> Result<[DataValue], ErrorInfo> {
        guard let shutdownHook, let emitFunction else { return .success([]) }
        self.shutdownHook = nil  // runs once
        emitted.values.removeAll()
        do {
            try lua.call(shutdownHook, emitFunction)
            return .success(emitted.values)
        } catch {
            return .failure(errorInfo(error, record: nil))
        }
    }

    /// Bytes the state uses now.
    func memoryInUse() -> Int { lua.memoryInUse }

    private func errorInfo(_ error: any Error, record: Record?) -> ErrorInfo {
        RecordTransform.errorInfo(error, processor: processorName, scriptHash: scriptHash, record: record)
    }
}

