import Foundation

/// A value behind a lock, for state shared with threads that are not
/// Swift tasks (the network's poll thread, a socket reader) and for the few
/// places where an actor hop would cost more than the work.
///
/// `@unchecked Sendable`: every access to `state` goes through `withLock`,
/// which holds `lock`; that is what guards it. `State` must be `Sendable`
/// itself: the lock orders accesses, it cannot make a value that is not
/// safe to share (a class with unguarded state) safe to hand between threads.
public final class Locked<State: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var state: State

    public init(_ state: State) { self.state = state }

    public func withLock<R>(_ body: (inout State) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&state)
    }
}
