/// Counting what was stored, whether each backend is up, and how far every backend acknowledged.
extension StorageManager {
    /// Calls `observer` (synchronously, so it must be quick) whenever `acknowledged` moves on.
    public func observeAcknowledgements(_ observer: @escaping @Sendable () -> Void) {
        acknowledgementObserver = observer
    }

    func countStored(_ id: String, stored: Int, skipped: Int) {
        stats.stored[id, default: 0] += stored
        series[id]?.stored.increment(by: stored)
        guard skipped != 0 else { return }
        stats.skipped[id, default: 0] += skipped
        series[id]?.skipped.increment(by: skipped)
    }

    func updateUp(_ id: String) {
        series[id]?.up.set(connected && !failing.contains(id))
    }

    /// Every backend stored or spooled the batch: each source's acknowledged sequence moves on to it.
    func acknowledge(_ batch: [Record]) {
        var moved = false
        // A batch's records mostly come from one source: its mark is looked
        // up and written once per run of records of the same source, not per record.
        var index = batch.startIndex
        while index < batch.endIndex {
            let sourceID = batch[index].sourceID
            let before = acknowledgedBySource[sourceID] ?? 0
            var highest = before
            while index < batch.endIndex, batch[index].sourceID == sourceID {
                highest = max(highest, batch[index].sequence)
                index += 1
            }
            if highest > before {
                acknowledgedBySource[sourceID] = highest
                moved = true
            }
        }
        if moved { acknowledgementObserver?() }
    }
}
