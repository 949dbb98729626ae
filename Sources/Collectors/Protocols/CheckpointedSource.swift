import CollectorValues

/// A source that resumes where storage acknowledged, not where it read.
///
/// Its items carry a `CollectedData.checkpoint` (where to resume after the
/// item). A `Pipeline` calls `useCommittedCheckpoints()` before connecting
/// the source, then `commit(_:force:)` with the checkpoint of the last item
/// whose records, and those of every item before it, a backend stored or
/// the spool took. A crash then never skips a record: what was read but not
/// acknowledged is read again, and ids (`CollectedData.key`) keep it from
/// being stored twice.
public protocol CheckpointedSource: DataSource {
    /// From now on, save the position only in `commit(_:force:)`, not as items are read.
    func useCommittedCheckpoints() async

    /// Saves `checkpoint` (one this source put on an item), at once when
    /// `force` is set (the pipeline's last commit), else at the source's own pace.
    func commit(_ checkpoint: DataValue, force: Bool) async
}
