import Collectors

/// Stops a connection's blocking call when the task that asked for it is
/// cancelled (SQLite's `sqlite3_interrupt`, libpq's cancel request). Each
/// call gets a token (`begin()`), so that a cancellation handler that runs
/// late, after its call ended, touches nothing of the next one; `cancel`
/// runs on the cancelling thread and only signals.
package protocol StatementInterrupt: Sendable {
    func begin() -> Int
    func end(_ token: Int)
    func cancel(_ token: Int)
    func wasCancelled(_ token: Int) -> Bool
}

/// Runs `body` on the caller's actor (a backend's own thread: the blocking
/// calls run there, only the signal runs on the cancelling thread) so that
/// cancelling the calling task interrupts it. A call the cancellation cut
/// short is settled by `settle` (a rollback the interrupt may have cut
/// short, a connection drained) and throws `CancellationError`; one that
/// finished before the cancellation reached it returns as usual.
package func interruptibly<R: Sendable>(
    _ interrupt: some StatementInterrupt,
    isolation: isolated (any Actor) = #isolation,
    _ body: () throws(ErrorInfo) -> R,
    settle: () -> Void
) async throws -> R {
    let token = interrupt.begin()
    defer { interrupt.end(token) }
    do {
        return try await withTaskCancellationHandler {
            // The closure itself is not isolated: without this hop the
            // blocking body would run on (and stall) the cooperative pool.
            try await run(on: isolation, body)
        } onCancel: {
            interrupt.cancel(token)
        }
    } catch {
        interrupt.end(token)
        guard interrupt.wasCancelled(token) else { throw error }
        settle()
        throw CancellationError()
    }
}

/// `body` on `actor`'s executor.
private func run<R>(on actor: isolated any Actor, _ body: () throws(ErrorInfo) -> R) async throws(ErrorInfo) -> R {
    try body()
}
