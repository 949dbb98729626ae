import CPostgres
import CollectorStorage
import Foundation
import Synchronization

/// Stops what a connection is doing when the task that asked for it is
/// cancelled, without calling libpq on the connection from another thread.
///
/// libpq blocks the storage's own thread until the server answers, and a
/// statement waiting on a lock another transaction holds may never answer.
/// `cancel(_:)`, called from a task's cancellation handler on any thread,
/// sets a flag that stops the next statement before it is sent, and asks the
/// server to cancel the one in flight with `PQcancel` (from a thread of its
/// own: it connects to the server). A cancel request that reaches the server
/// while it is between statements is dropped there, so while the same
/// statement is still in flight the request is sent again.
///
/// Each operation gets a token (`begin()`): a cancellation handler that runs
/// late, after its operation ended, touches nothing of the next one.
final class PostgresInterrupt: StatementInterrupt {
    /// A `PGcancel`, freed when its last holder lets go: a request in flight
    /// keeps the one it uses after a reconnect replaced it.
    private final class Key: @unchecked Sendable {
        // Never mutated; libpq allows PQcancel on it from any thread.
        let raw: OpaquePointer

        init?(_ connection: OpaquePointer) {
            guard let raw = PQgetCancel(connection) else { return nil }
            self.raw = raw
        }

        func send() {
            var message = [CChar](repeating: 0, count: 256)
            _ = PQcancel(raw, &message, Int32(message.count))
        }

        deinit { PQfreeCancel(raw) }
    }

    private struct State {
        var key: Key?
        var token = 0
        var active = false
        var requested = false
        /// A libpq call of the operation is waiting on the server.
        var inFlight = false
        /// Cancel requests being sent now.
        var sending = 0
    }

    private let state = Mutex(State())
    /// Wakes a reconnect backoff when the operation is cancelled.
    private let wakeup = DispatchSemaphore(value: 0)

    /// How long apart a request is sent again while the statement is still in flight.
    private static let resendInterval = 0.25
    private static let maxSends = 40

    /// Takes the cancel key of the session `connection` has now (after a connect or a reconnect).
    func refresh(from connection: OpaquePointer) {
        let key = Key(connection)
        state.withLock { $0.key = key }
    }

    /// When the connection closes.
    func dropKey() {
        state.withLock { $0.key = nil }
    }

    /// Starts an operation that `cancel(token)` may stop.
    func begin() -> Int {
        state.withLock { state in
            state.token += 1
            state.active = true
            state.requested = false
            state.inFlight = false
            return state.token
        }
    }

    /// Ends the operation: no request is sent for it any more.
    func end(_ token: Int) {
        state.withLock { state in
            if state.token == token { state.active = false }
        }
    }

    /// Whether the operation `token` was cancelled (it stays so after `end`).
    func wasCancelled(_ token: Int) -> Bool {
        state.withLock { $0.token == token && $0.requested }
    }

    /// Whether the operation under way was cancelled.
    var isRequested: Bool {
        state.withLock { $0.active && $0.requested }
    }

    /// From any thread: stops the operation `token` (when it is still under way).
    func cancel(_ token: Int) {
        let start = state.withLock { state -> Bool in
            guard state.token == token, state.active, !state.requested else { return false }
            state.requested = true
            return true
        }
        guard start else { return }
        wakeup.signal()
        let thread = Thread { [self] in sendWhileInFlight(token) }
        thread.name = "collector-postgres-cancel"
        thread.start()
    }

    private func sendWhileInFlight(_ token: Int) {
        for _ in 0..<Self.maxSends {
            let key = state.withLock { state -> Key?? in
                guard state.token == token, state.active else { return .none }
                guard state.inFlight, let key = state.key else { return .some(nil) }
                state.sending += 1
                return key
            }
            guard let key else { return }
            if let key {
                key.send()
                state.withLock { $0.sending -= 1 }
            }
            Thread.sleep(forTimeInterval: Self.resendInterval)
        }
    }

    /// Before a libpq call of the operation waits on the server: `false`
    /// (and nothing marked) when it was cancelled and `stopIfCancelled`.
    /// Each `true` is followed by `leave()`.
    func enter(stopIfCancelled: Bool) -> Bool {
        state.withLock { state in
            if stopIfCancelled, state.active, state.requested { return false }
            state.inFlight = true
            return true
        }
    }

    func leave() {
        state.withLock { $0.inFlight = false }
    }

    /// After a cancelled operation, before its connection is used again:
    /// waits (a bounded time) for the cancel requests being sent, so that
    /// none reaches the server during the next statement.
    func waitForRequestsSent() {
        for _ in 0..<200 {
            if state.withLock({ $0.sending == 0 }) { return }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    /// Sleeps `seconds` or until the operation under way is cancelled; whether it was.
    func sleep(_ seconds: Double) -> Bool {
        if isRequested { return true }
        _ = wakeup.wait(timeout: .now() + seconds)
        return isRequested
    }
}
