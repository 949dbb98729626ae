import CollectorValues

/// A `CheckpointedSource` whose position a pipeline keeps in its
/// `ResumeStore`: the checkpoints it commits are saved there (under
/// `ResumeKey.source(id)`), and the last one saved is handed back by
/// `resume(from:)` before the source connects in the next run.
public protocol ResumableSource: CheckpointedSource {
    /// Start from `checkpoint` (one this source put on an item in an earlier
    /// run) instead of from the beginning or the source's own saved position.
    func resume(from checkpoint: DataValue) async
}
