import CollectorValues

/// Hands each `CheckpointedSource` the checkpoint of its last acknowledged
/// item, in a task of its own: the storage manager only signals (it must not
/// wait for a file to be written), and signals that come while a commit runs
/// fold into one.
final class CheckpointCommitter: Sendable {
    private let continuation: AsyncStream<Void>.Continuation
    private let task: Task<Void, Never>

    init(sources: [String: any CheckpointedSource], tracker: CheckpointTracker, storage: StorageManager) {
        let (signals, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.continuation = continuation
        task = Task {
            var latest: [String: DataValue] = [:]
            for await _ in signals {
                await Self.commit(sources, tracker: tracker, storage: storage, latest: &latest, force: false)
            }
            await Self.commit(sources, tracker: tracker, storage: storage, latest: &latest, force: true)
        }
    }

    /// Storage acknowledged more records.
    func acknowledged() {
        continuation.yield()
    }

    /// Commits what is acknowledged now, saved at once, and stops.
    func finish() async {
        continuation.finish()
        await task.value
    }

    private static func commit(
        _ sources: [String: any CheckpointedSource], tracker: CheckpointTracker, storage: StorageManager,
        latest: inout [String: DataValue], force: Bool
    ) async {
        let acknowledged = await storage.acknowledged
        for (id, source) in sources {
            if let checkpoint = tracker.take(source: id, acknowledged: acknowledged[id] ?? 0) {
                latest[id] = checkpoint
                await source.commit(checkpoint, force: force)
            } else if force, let checkpoint = latest[id] {
                // The last one may have waited for the source's own pace.
                await source.commit(checkpoint, force: true)
            }
        }
    }
}
