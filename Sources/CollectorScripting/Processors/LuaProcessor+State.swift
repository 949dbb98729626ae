import CollectorValues
import Collectors

/// Checkpoints of a Lua processor's state: a module with both
/// `export_state()` and `migrate(old_state, ctx)` declares state; a pipeline
/// with a resume store saves what `export_state()` returns (one value per
/// state, in worker order) and, after a restart, hands it to `migrate`
/// with `ctx.restored = true`.
extension LuaProcessor: StatefulProcessor {
    public var keepsState: Bool {
        get async {
            let current = slot.withLock { $0.current }
            return await current.instances[0].declaresState
        }
    }

    /// An array of each state's `export_state()` (null for a state that returned nil).
    public func exportState() async throws -> DataValue {
        // Between batches: the state is that after exactly the records processed so far.
        await batches.lock()
        defer { batches.unlock() }
        let current = slot.withLock { $0.current }
        var states: [DataValue] = []
        for instance in current.instances { states.append(try await instance.exportState() ?? .null) }
        return .array(states)
    }

    public func restoreState(_ state: DataValue) async throws {
        await batches.lock()
        defer { batches.unlock() }
        let current = slot.withLock { $0.current }
        let saved = state.arrayValue ?? [state]
        for (index, instance) in current.instances.enumerated() {
            var context = ProcessorModule.context(name: name, worker: index + 1, workers: current.instances.count, config: instance.config)
            context["restored"] = .bool(true)
            context["states"] = .array(saved)
            let own = index < saved.count ? saved[index] : .null
            try await instance.migrate(own.isNull ? nil : own, context: context)
        }
    }
}
