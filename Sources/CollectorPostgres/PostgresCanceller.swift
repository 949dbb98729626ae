import CPostgres
import Foundation

/// Cancels what a connection is doing, from another thread: a task
/// cancelled while its store waits on the server (a lock, a slow query)
/// would otherwise wait as long as libpq's blocking call does.
///
/// `request()` sends the server a cancel request (`PQcancel`, which libpq
/// allows from any thread) and is remembered, so that a call that has not
/// reached the server yet, or is between reconnect attempts, stops too.
final class PostgresCanceller: @unchecked Sendable {
    // Guards `handle`; `PQcancel` runs under it so that `refresh` never frees what it uses.
    private let handleLock = NSLock()
    private var handle: OpaquePointer?
    // Guards `requested`, apart: reading it never waits for a cancel in flight.
    private let requestLock = NSLock()
    private var requested = false

    /// Takes the cancel key of the session `connection` has now (after a connect or a reset).
    func refresh(from connection: OpaquePointer) {
        let fresh = PQgetCancel(connection)
        handleLock.withLock {
            if let handle { PQfreeCancel(handle) }
            handle = fresh
        }
    }

    /// Forgets an earlier request, at the start of an operation.
    func clear() { requestLock.withLock { requested = false } }

    var isRequested: Bool { requestLock.withLock { requested } }

    func request() {
        requestLock.withLock { requested = true }
        // PQcancel connects to the server and waits for it: on a thread of
        // its own, not the canceller's (an unreachable server would hold it).
        let thread = Thread { [self] in
            handleLock.withLock {
                guard let handle else { return }
                var message = [CChar](repeating: 0, count: 256)
                _ = PQcancel(handle, &message, Int32(message.count))
            }
        }
        thread.name = "collector-postgres-cancel"
        thread.start()
    }

    deinit {
        if let handle { PQfreeCancel(handle) }
    }
}
