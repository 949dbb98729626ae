import CollectorValues

/// The checkpoints of a pipeline's `CheckpointedSource`s, in item order,
/// until storage has acknowledged the items they follow.
///
/// The processing stage adds each item's checkpoint with the last sequence
/// its records got; when a source's acknowledged sequence reaches it, every
/// record of that item and of those before it is stored (or spooled, or was
/// dropped or dead-lettered before storage), so the checkpoint may be saved.
/// A lock, not an actor: the processing stage adds one per item.
final class CheckpointTracker: Sendable {
    private struct Entry {
        var lastSequence: UInt64
        var checkpoint: DataValue
    }

    private struct Pending {
        var entries: [Entry] = []
        var head = 0
    }

    private let state = Locked([String: Pending]())

    /// After the item whose records end at `lastSequence` (an item without records repeats the last one).
    func add(source: String, lastSequence: UInt64, checkpoint: DataValue) {
        state.withLock { state in
            var pending = state[source] ?? Pending()
            state[source] = nil  // keeps `pending` the array's only owner while it grows
            if pending.head < pending.entries.count, pending.entries[pending.entries.count - 1].lastSequence == lastSequence {
                pending.entries[pending.entries.count - 1].checkpoint = checkpoint
            } else {
                pending.entries.append(Entry(lastSequence: lastSequence, checkpoint: checkpoint))
            }
            state[source] = pending
        }
    }

    /// The checkpoint of the last item whose records are all at or below
    /// `acknowledged`; it and those before it are forgotten. `nil` when none is.
    func take(source: String, acknowledged: UInt64) -> DataValue? {
        state.withLock { state in
            guard var pending = state[source] else { return nil }
            state[source] = nil
            defer { state[source] = pending }
            var taken: DataValue?
            while pending.head < pending.entries.count, pending.entries[pending.head].lastSequence <= acknowledged {
                taken = pending.entries[pending.head].checkpoint
                pending.head += 1
            }
            if pending.head == pending.entries.count {
                pending.entries.removeAll(keepingCapacity: true)
                pending.head = 0
            } else if pending.head > 1024, pending.head * 2 > pending.entries.count {
                pending.entries.removeFirst(pending.head)
                pending.head = 0
            }
            return taken
        }
    }
}
