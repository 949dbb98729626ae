import CollectorValues
import Collectors
import LuaRuntime

/// A processor written as a function in the pipeline script itself
/// (`process = { function(r) ... end }`).
///
/// It runs in the script's own state, on the script's thread (through the
/// `ScriptLoop`), so it sees the script's variables — a counter it bumps can
/// be printed when the pipelines end — and runs one record at a time, in
/// order. It is not sandboxed (the script is the user's own code), but each
/// record has a budget, and a failure fails that record only, as with
/// processor files. For parallel, isolated processors use `processor.file`.
final class ScriptFunctionProcessor: Processor {
    let name: String
    /// The state, the function and its emit: used only inside jobs of `loop`.
    private let parts: LoopBound<(state: ScriptStateReference, function: LuaFunction, emit: EmitFunction, meta: RecordMeta?)>
    /// Whether the function takes `meta` (its third parameter).
    let readsOrigin: Bool
    private let loop: ScriptLoop
    private let instructionLimit: Int?
    private let timeLimit: Duration?

    init(
        name: String, function: LuaFunction, in lua: LuaState, loop: ScriptLoop,
        instructionLimit: Int? = 10_000_000, timeLimit: Duration? = .seconds(1)
    ) throws {
        self.name = name
        self.loop = loop
        self.instructionLimit = instructionLimit
        self.timeLimit = timeLimit
        let readsMeta = ProcessorModule.readsMeta(function, in: lua)
        readsOrigin = readsMeta
        parts = LoopBound(
            (ScriptStateReference(lua: lua), function, try EmitFunction(in: lua), readsMeta ? try RecordMeta(in: lua) : nil),
            loop: loop)
    }

    func process(_ record: Record) async throws -> ProcessingResult {
        await process(batch: [record]).first ?? .dropped
    }

    func process(batch records: [Record]) async -> [ProcessingResult] {
        do {
            return try await loop.perform { [self] in
                let (state, function, emit, meta) = try parts.value
                let lua = state.lua
                let transform = RecordTransform(lua: lua, process: function, emit: emit, meta: meta)
                return lua.withCallLimits(instructions: instructionLimit, time: timeLimit) {
                    transform.run(batch: records.map { (RecordInput($0), $0) }) { error, record in
                        RecordTransform.errorInfo(error, processor: name, scriptHash: nil, record: record)
                    }
                }
            }
        } catch {
            let info = ErrorInfo(
                .processing, layer: .processing, operation: "process",
                message: "processor '\(name)' cannot run: \(error)", details: ["processor": .string(name)])
            return records.map { _ in .failure(info) }
        }
    }
}
