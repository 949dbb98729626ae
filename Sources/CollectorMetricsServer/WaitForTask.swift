import Dispatch
import Collectors

/// Runs async work (a scrape, a readiness check) from a connection's thread
/// and waits for it, at most `timeout`; `nil` when it took longer (it is cancelled).
///
/// Connection threads are the server's own, not the concurrency pool's, so
/// blocking one here does not starve the pool.
func waitForTask<T: Sendable>(timeout: Duration, _ body: @escaping @Sendable () async -> T) -> T? {
    let result = Locked<T?>(nil)
    let done = DispatchSemaphore(value: 0)
    let task = Task {
        let value = await body()
        result.withLock { $0 = value }
        done.signal()
    }
    let (seconds, attoseconds) = timeout.components
    let nanoseconds = Int(clamping: seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    guard done.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .success else {
        task.cancel()
        return nil
    }
    return result.withLock { $0 }
}
