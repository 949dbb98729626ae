import CollectorValues
import Collectors
import Foundation
import LuaRuntime

/// A processor written in Lua, run sandboxed and under limits.
///
/// Each record is processed in its own protected call with its own budget:
/// an error, an endless loop or a memory blow-up fails that record (its
/// result carries an `ErrorInfo` with the message, traceback, processor name
/// and script hash) and the next record runs normally. With `parallelism`
/// above 1, a batch is split across that many states, each on its own
/// thread, and the results come back in input order.
public final class LuaProcessor: JSONDocumentProcessor {
    public let name: String
    /// FNV-1a of the source: which version of the script produced a result.
    public let scriptHash: String
    private let instances: [LuaProcessorInstance]

    private init(name: String, scriptHash: String, instances: [LuaProcessorInstance]) {
        self.name = name
        self.scriptHash = scriptHash
        self.instances = instances
    }

    /// Compiles `source` in each state and runs its `init` hook there.
    /// A syntax error, a runtime error at load or a failing `init` throws a `LuaError`.
    public static func load(
        name: String, source: String, chunkName: String? = nil, options: LuaProcessorOptions = LuaProcessorOptions()
    ) async throws -> LuaProcessor {
        let hash = ScriptHash.of(source)
        let chunk = chunkName ?? "=\(name)"
        // The first state says whether the module allows more (`parallel = false` opts out).
        let first = try LuaProcessorInstance(name: name, scriptHash: hash, options: options, worker: 1)
        let parallel = try await first.start(source: source, chunkName: chunk, worker: 1, workers: options.parallelism)
        let workers = parallel ? options.parallelism : 1
        var instances = [first]
        for worker in stride(from: 2, through: workers, by: 1) {
            let instance = try LuaProcessorInstance(name: name, scriptHash: hash, options: options, worker: worker)
            try await instance.start(source: source, chunkName: chunk, worker: worker, workers: workers)
            instances.append(instance)
        }
        return LuaProcessor(name: name, scriptHash: hash, instances: instances)
    }

    /// Loads a processor file; its path names it in error messages.
    public static func load(
        name: String? = nil, file path: String, options: LuaProcessorOptions = LuaProcessorOptions()
    ) async throws -> LuaProcessor {
        let source: String
        do {
            source = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ErrorInfo(
                .configuration, layer: .scripting, operation: "load_processor",
                message: "cannot read processor file \(path): \(error.localizedDescription)", details: ["path": .string(path)])
        }
        let fileName = path.split(separator: "/").last.map(String.init) ?? path
        let defaultName = fileName.hasSuffix(".lua") ? String(fileName.dropLast(4)) : fileName
        return try await load(name: name ?? defaultName, source: source, chunkName: "@\(path)", options: options)
    }

    public func process(_ record: Record) async throws -> ProcessingResult {
        await instances[0].process(batch: [record]).first ?? .dropped
    }

    public func process(batch records: [Record]) async -> [ProcessingResult] {
        await spread(records) { instance, part in await instance.process(batch: part) }
    }

    public func process(documents: [JSONDocument]) async -> [ProcessingResult] {
        await spread(documents) { instance, part in await instance.process(documents: part) }
    }

    /// How many states run the processor.
    public var stateCount: Int { instances.count }

    /// Splits the inputs into one contiguous part per state, runs the parts
    /// concurrently and joins the results in input order.
    private func spread<Input: Sendable>(
        _ inputs: [Input], _ work: @escaping @Sendable (LuaProcessorInstance, [Input]) async -> [ProcessingResult]
    ) async -> [ProcessingResult] {
        guard instances.count > 1, inputs.count > 1 else {
            return await work(instances[0], inputs)
        }
        let partSize = (inputs.count + instances.count - 1) / instances.count
        return await withTaskGroup(of: (Int, [ProcessingResult]).self) { group in
            for (index, start) in stride(from: 0, to: inputs.count, by: partSize).enumerated() {
                let part = Array(inputs[start..<min(start + partSize, inputs.count)])
                let instance = instances[index]
                group.addTask { (index, await work(instance, part)) }
            }
            var parts = [[ProcessingResult]](repeating: [], count: instances.count)
            for await (index, part) in group { parts[index] = part }
            return parts.flatMap { $0 }
        }
    }

    /// Each state's `shutdown(emit)`: what it emitted, as records of this
    /// processor (source id: its name), or the error of a hook that failed.
    public func finish() async -> [ProcessingResult] {
        var sequence: UInt64 = 0
        return await shutdown().map { result in
            switch result {
            case .success(let values):
                return .success(values.map { value in
                    sequence += 1
                    return Record(value, sourceID: name, sequence: sequence)
                })
            case .failure(let error):
                return .failure(error)
            }
        }
    }

    /// Runs each state's `shutdown(emit)` hook; returns what they emitted, in state order.
    public func shutdown() async -> [Result<[DataValue], ErrorInfo>] {
        var results: [Result<[DataValue], ErrorInfo>] = []
        for instance in instances { results.append(await instance.shutdown()) }
        return results
    }

    /// Bytes each state uses now.
    public func memoryInUse() async -> [Int] {
        var sizes: [Int] = []
        for instance in instances { sizes.append(await instance.memoryInUse()) }
        return sizes
    }
}
