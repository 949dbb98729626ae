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
        for record in batch where record.sequence > acknowledgedBySource[record.sourceID] ?? 0 {
            acknowledgedBySource[record.sourceID] = record.sequence
            moved = true
        }
        if moved { acknowledgementObserver?() }
    }
}
