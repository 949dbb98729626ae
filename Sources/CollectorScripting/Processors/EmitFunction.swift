import CollectorValues
import LuaRuntime

/// The `emit(t [, outputs])` a processor's hooks receive: it collects the
/// records they send during one call, in order (on the state's thread only).
/// `outputs` (a name or a list of names) routes the record to those named
/// outputs of its pipeline (see `RecordRouting`).
final class EmitFunction {
    let function: LuaFunction
    private let collected: EmittedRecords

    init(in lua: LuaState) throws {
        let collected = EmittedRecords()
        function = try lua.function("emit") { call in
            let value = try call.data(1)
            // What `process` may return, `emit` takes: a record, an array or a string.
            if ProcessOutput.problem(with: value) != nil {
                throw LuaArgumentError(
                    position: 1, function: "emit", problem: "record (a table), array or string expected, got \(value.typeName)")
            }
            if call.argumentCount >= 2 {
                switch OutputNames.parse(try call.data(2)) {
                case .success(let names) where !names.isEmpty:
                    collected.routes[collected.values.count] = names
                case .success:
                    break
                case .failure(let problem):
                    throw LuaArgumentError(
                        position: 2, function: "emit", problem: "output name or list of names expected, got \(problem.what)")
                }
            }
            collected.values.append(value)
            return 0
        }
        self.collected = collected
    }

    /// Forgets what earlier calls emitted.
    func reset() {
        collected.values.removeAll(keepingCapacity: true)
        if !collected.routes.isEmpty { collected.routes.removeAll() }
    }

    /// What was emitted since the last `reset()`.
    var values: [DataValue] { collected.values }

    /// The outputs given for the emitted record at `index` (in `values`), if any.
    func route(at index: Int) -> [String]? { collected.routes[index] }

    /// What was emitted since the last `reset()`, with the outputs given.
    var records: [EmittedRecord] {
        collected.values.enumerated().map { EmittedRecord(value: $1, route: collected.routes[$0]) }
    }

    /// Whether any record emitted since the last `reset()` was given outputs.
    var hasRoutes: Bool { !collected.routes.isEmpty }
}

/// The records `emit` collected (the closure and its owner share it).
private final class EmittedRecords {
    var values: [DataValue] = []
    /// Outputs per index in `values`, for the records emitted with some.
    var routes: [Int: [String]] = [:]
}
