import CollectorValues
import LuaRuntime

/// The `emit(t)` a processor's hooks receive: it collects the records they
/// send during one call, in order (on the state's thread only).
final class EmitFunction {
    let function: LuaFunction
    private let collected: EmittedRecords

    init(in lua: LuaState) throws {
        let collected = EmittedRecords()
        function = try lua.function("emit") { call in
            let value = try call.data(1)
            guard case .object = value else {
                throw LuaArgumentError(position: 1, function: "emit", problem: "table with fields expected, got \(value.typeName)")
            }
            collected.values.append(value)
            return 0
        }
        self.collected = collected
    }

    /// Forgets what earlier calls emitted.
    func reset() { collected.values.removeAll(keepingCapacity: true) }

    /// What was emitted since the last `reset()`.
    var values: [DataValue] { collected.values }
}

/// The records `emit` collected (the closure and its owner share it).
private final class EmittedRecords {
    var values: [DataValue] = []
}
