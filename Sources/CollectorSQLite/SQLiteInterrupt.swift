import CSQLite
import CollectorStorage
import Foundation
import Synchronization

/// Stops what a connection is doing when the task that asked for it is
/// cancelled, without running anything of SQLite on the cancelling thread.
///
/// The statements run on the storage's own thread; `cancel(_:)`, called from
/// a task's cancellation handler on any thread, only signals it: it sets a
/// flag the storage checks between rows, calls `sqlite3_interrupt` (which
/// SQLite allows from another thread) for a statement under way, and wakes
/// the busy handler, which waits for another connection's lock in its place
/// of `sqlite3_busy_timeout` and gives up as soon as the flag is set.
///
/// Each operation gets a token (`begin()`): a cancellation handler that runs
/// late, after its operation ended, touches nothing of the next one.
final class SQLiteInterrupt: StatementInterrupt {
    private struct State {
        /// The open handle's address (a plain value, as state shared between
        /// threads must be); 0 once closed, so no interrupt reaches a freed one.
        var handle: UInt = 0
        var token = 0
        var active = false
        var requested = false
        /// When the current wait for a lock began (the busy handler's first call).
        var waitStarted = ContinuousClock.now
    }

    private let state = Mutex(State())
    /// Wakes the busy handler early; a stale signal only shortens one wait.
    private let wakeup = DispatchSemaphore(value: 0)
    private let timeoutMilliseconds: Int

    /// SQLite's own steps between tries for a lock, in milliseconds.
    private static let delays = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100]

    init(busyTimeoutMilliseconds: Int) {
        timeoutMilliseconds = max(0, busyTimeoutMilliseconds)
    }

    /// Becomes `handle`'s busy handler; `self` must outlive the handle (the connection holds both).
    func attach(to handle: OpaquePointer) {
        let address = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(handle)))
        state.withLock { $0.handle = address }
        sqlite3_busy_handler(
            handle,
            { context, count in
                guard let context else { return 0 }
                return Unmanaged<SQLiteInterrupt>.fromOpaque(context).takeUnretainedValue().retry(after: Int(count)) ? 1 : 0
            }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Before the handle is closed: no interrupt may reach it afterwards.
    func detach() {
        state.withLock { $0.handle = 0 }
    }

    /// Starts an operation that `cancel(token)` may stop.
    func begin() -> Int {
        state.withLock { state in
            state.token += 1
            state.active = true
            state.requested = false
            return state.token
        }
    }

    /// Ends the operation: later `cancel(token)` calls do nothing.
    func end(_ token: Int) {
        state.withLock { state in
            if state.token == token { state.active = false }
        }
    }

    /// From any thread: stops the operation `token` (when it is still under way).
    func cancel(_ token: Int) {
        let signalled = state.withLock { state -> Bool in
            guard state.token == token, state.active else { return false }
            state.requested = true
            // Under the lock, so the handle cannot be closed meanwhile.
            if let handle = OpaquePointer(bitPattern: state.handle) { sqlite3_interrupt(handle) }
            return true
        }
        if signalled { wakeup.signal() }
    }

    /// Whether the operation `token` was cancelled (it stays so after `end`).
    func wasCancelled(_ token: Int) -> Bool {
        state.withLock { $0.token == token && $0.requested }
    }

    /// Whether the operation under way was cancelled: checked between rows
    /// and before a transaction begins.
    var isRequested: Bool {
        state.withLock { $0.active && $0.requested }
    }

    /// Whether to try again for a lock after `count` tries, having waited
    /// first; `false` gives up (`SQLITE_BUSY`), at the timeout or at once
    /// when the operation is cancelled.
    private func retry(after count: Int) -> Bool {
        let started = state.withLock { state -> ContinuousClock.Instant in
            if count == 0 { state.waitStarted = .now }
            return state.waitStarted
        }
        let waited = started.duration(to: .now).components
        let left = timeoutMilliseconds - Int(waited.seconds * 1000 + waited.attoseconds / 1_000_000_000_000_000)
        guard !isRequested, left > 0 else { return false }
        let step = min(Self.delays[min(count, Self.delays.count - 1)], left)
        _ = wakeup.wait(timeout: .now() + .milliseconds(step))
        return !isRequested
    }
}
