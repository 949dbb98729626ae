import Collectors

/// Waits for a task at most `limit`: its result, or `nil` when it has not
/// ended by then. The task is not awaited past the limit (a call that
/// ignores cancellation cannot hang the kit); it is cancelled then.
func result<T: Sendable>(of task: Task<T, any Error>, within limit: Duration) async -> Result<T, any Error>? {
    let waiting = Locked<CheckedContinuation<Result<T, any Error>?, Never>?>(nil)
    let helpers = Locked<[Task<Void, Never>]>([])
    let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, any Error>?, Never>) in
        waiting.withLock { $0 = continuation }
        let finished = Task {
            let result = await task.result
            waiting.withLock { $0.take() }?.resume(returning: result)
        }
        let timer = Task {
            try? await Task.sleep(for: limit)
            waiting.withLock { $0.take() }?.resume(returning: nil)
        }
        helpers.withLock { $0 = [finished, timer] }
    }
    helpers.withLock { $0 }.last?.cancel()
    if outcome == nil { task.cancel() }
    return outcome
}

/// Runs `operation` in a task of its own for at most `limit`.
/// - Throws: what `operation` threw, or a `CheckFailure` saying `what` did not end in time.
func within<T: Sendable>(
    _ limit: Duration, _ what: String, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    guard let outcome = await result(of: Task { try await operation() }, within: limit) else {
        throw CheckFailure("\(what) did not return within \(limit.seconds) s")
    }
    return try outcome.get()
}

extension Duration {
    /// Whole seconds, for messages.
    var seconds: Int64 { components.seconds }
}
