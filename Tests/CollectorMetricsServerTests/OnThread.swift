import Foundation

/// Runs blocking work (socket reads, waiting for a process) on a thread of
/// its own, so that tests running side by side never tie up the concurrency
/// pool, which the server under test needs for its scrapes.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread {
            continuation.resume(with: Result { try body() })
        }.start()
    }
}
