import CSQLite
import Foundation

/// How a statement that finds the database locked by another connection
/// waits: as `sqlite3_busy_timeout` would (sleeping a little longer each
/// time, up to the timeout), but it stops at once when `cancel()` was
/// called, so that a task cancelled while its store waits on a lock does
/// not wait out the whole timeout.
final class SQLiteBusyWait: @unchecked Sendable {
    private let timeoutMilliseconds: Int
    // Guards `cancelled`; read by the busy handler on the connection's thread, set by any.
    private let lock = NSLock()
    private var cancelled = false
    /// When the current wait began (the handler's first call for a lock).
    private var started = ContinuousClock.now

    /// SQLite's own steps between tries, in milliseconds.
    private static let delays = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100]

    init(timeoutMilliseconds: Int) {
        self.timeoutMilliseconds = max(0, timeoutMilliseconds)
    }

    /// Installs this wait as the handle's busy handler (it must outlive the handle).
    func install(on handle: OpaquePointer) {
        sqlite3_busy_handler(
            handle,
            { context, count in
                guard let context else { return 0 }
                return Unmanaged<SQLiteBusyWait>.fromOpaque(context).takeUnretainedValue().retry(after: Int(count)) ? 1 : 0
            }, Unmanaged.passUnretained(self).toOpaque())
    }

    func cancel() { lock.withLock { cancelled = true } }
    /// Forgets an earlier `cancel()`, at the start of an operation.
    func clear() { lock.withLock { cancelled = false } }
    var isCancelled: Bool { lock.withLock { cancelled } }

    /// Whether to try again after `count` tries, having slept first; `false` gives up (`SQLITE_BUSY`).
    private func retry(after count: Int) -> Bool {
        if count == 0 { started = .now }
        let waited = started.duration(to: .now).components
        let left = timeoutMilliseconds - Int(waited.seconds * 1000 + waited.attoseconds / 1_000_000_000_000_000)
        guard !isCancelled, left > 0 else { return false }
        let step = min(Self.delays[min(count, Self.delays.count - 1)], left)
        Thread.sleep(forTimeInterval: Double(step) / 1000)
        return !isCancelled
    }
}
