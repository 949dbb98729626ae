import CollectorValues

/// Writes a pipeline's checkpoints to its resume store in a task of its
/// own, so that the storage stage does not wait for the store's disk sync.
/// A checkpoint holds everything (every state, every position), so one that
/// comes while another is being written replaces any still waiting: only
/// the newest is written next. Checkpoints are written in the order given.
final class CheckpointSaver: Sendable {
    private let continuation: AsyncStream<[String: DataValue]>.Continuation
    private let task: Task<Void, Never>

    init(resume: ResumeKeeper, errorHandler: any ErrorHandler) {
        let (checkpoints, continuation) = AsyncStream<[String: DataValue]>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.continuation = continuation
        task = Task {
            for await entries in checkpoints {
                if let error = await resume.save(entries) { _ = await errorHandler.handle(error) }
            }
        }
    }

    /// A checkpoint whose records are stored: written as soon as the one being written is.
    func save(_ entries: [String: DataValue]) {
        continuation.yield(entries)
    }

    /// Writes what is waiting and stops.
    func finish() async {
        continuation.finish()
        await task.value
    }
}
