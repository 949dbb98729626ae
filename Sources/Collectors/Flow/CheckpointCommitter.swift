import CollectorValues

/// Hands each `CheckpointedSource` the checkpoint of its last acknowledged
/// item, in a task of its own: the storage manager only signals (it must not
/// wait for a file to be written), and signals that come while a commit runs
/// fold into one.
final class CheckpointCommitter: Sendable {
    private let continuation: AsyncStream<Void>.Continuation
    private let task: Task<Void, Never>

    /// - Parameter resume: where the positions of `ResumableSource`s are saved too (positions only).
    init(
        sources: [String: any CheckpointedSource], tracker: CheckpointTracker, storage: StorageManager,
        resume: ResumeKeeper? = nil, errorHandler: (any ErrorHandler)? = nil
    ) {
        let (signals, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.continuation = continuation
        let resumable = resume == nil ? [] : Set(sources.filter { $0.value is any ResumableSource }.keys)
        task = Task {
            var latest: [String: DataValue] = [:]
            var unsaved: [String: DataValue] = [:]
            func save(force: Bool) async {
                guard let resume else { return }
                for id in resumable { if let position = latest[id] { unsaved[id] = position } }
                let (saved, error) = await resume.savePositions(unsaved, force: force)
                if saved { unsaved = [:] }
                if let error, let errorHandler { _ = await errorHandler.handle(error) }
            }
            for await _ in signals {
                await Self.commit(sources, tracker: tracker, storage: storage, latest: &latest, force: false)
                await save(force: false)
            }
            await Self.commit(sources, tracker: tracker, storage: storage, latest: &latest, force: true)
            await save(force: true)
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
