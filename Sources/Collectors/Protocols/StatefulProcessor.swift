import CollectorValues

/// A processor whose state outlives the process: a pipeline with a
/// `ResumeStore` checkpoints it together with the source positions it
/// corresponds to, and restores it at the next start (see `Pipeline`).
///
/// `exportState()` is called between batches, never during one, so the
/// state it returns is that after exactly the records the processor has
/// seen; `restoreState(_:)` is called once, before the first record.
public protocol StatefulProcessor: Processor {
    /// Whether the processor declares state now (a Lua module with both
    /// `export_state` and `migrate`); one that does not is not checkpointed.
    var keepsState: Bool { get async }

    /// The processor's state as data; `.null` for none yet.
    func exportState() async throws -> DataValue

    /// Takes back a state `exportState()` returned in an earlier run.
    func restoreState(_ state: DataValue) async throws
}
