import CollectorValues
import Collectors
import LuaRuntime

/// A pipeline's `route = function(record) ... end`: asked, for each record
/// no processor routed, which outputs it goes to.
///
/// Like a function in `process`, it runs in the script's own state, on the
/// script's thread, one record at a time, with a budget per record; an
/// error or an answer that is not output names fails that record alone.
final class ScriptRouteFunction: RouteChooser {
    /// Names the function in errors (`web.route`).
    let name: String
    private let parts: LoopBound<(state: ScriptStateReference, function: LuaFunction)>
    private let loop: ScriptLoop
    private let instructionLimit: Int?
    private let timeLimit: Duration?

    init(
        name: String, function: LuaFunction, in lua: LuaState, loop: ScriptLoop,
        instructionLimit: Int? = 10_000_000, timeLimit: Duration? = .seconds(1)
    ) {
        self.name = name
        self.loop = loop
        self.instructionLimit = instructionLimit
        self.timeLimit = timeLimit
        parts = LoopBound((ScriptStateReference(lua: lua), function), loop: loop)
    }

    func choose(_ records: [Record]) async -> [Result<[String], ErrorInfo>] {
        do {
            return try await loop.perform { [self] in
                let (state, function) = try parts.value
                let lua = state.lua
                return lua.withCallLimits(instructions: instructionLimit, time: timeLimit) {
                    records.map { choose($0, function: function, in: lua) }
                }
            }
        } catch {
            let info = ErrorInfo(
                .processing, layer: .processing, operation: "route",
                message: "route '\(name)' cannot run: \(error)", details: ["processor": .string(name)])
            return records.map { _ in .failure(info) }
        }
    }

    private func choose(_ record: Record, function: LuaFunction, in lua: LuaState) -> Result<[String], ErrorInfo> {
        let answer: DataValue?
        do {
            answer = try lua.callTransform(function, input: RecordInput(record))
        } catch {
            var info = RecordTransform.errorInfo(error, processor: name, scriptHash: nil, record: record)
            info.operation = "route"
            return .failure(info)
        }
        switch OutputNames.parse(answer) {
        case .success(let names):
            return .success(names)
        case .failure(let problem):
            var info = ErrorInfo(
                .validation, layer: .processing, operation: "route",
                message: "\(name) returned \(problem.what); it must return an output name, a list of names, or nil",
                details: ["processor": .string(name)])
            info.details["source_id"] = .string(record.sourceID)
            info.details["sequence"] = .integer(Int64(bitPattern: record.sequence))
            return .failure(info)
        }
    }
}
