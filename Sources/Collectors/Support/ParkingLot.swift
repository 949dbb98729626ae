import Foundation

/// State behind a lock, and tasks parked until a change of that state lets
/// them go: how the engine's core suspends a task on a condition guarded by
/// a lock (queues, semaphore, mailbox; the mocks and the reload lock too).
///
/// A continuation is never resumed while the lock is held. Code that changes
/// the state hands the waiters it lets go to `Wakeups`, and they are resumed
/// once the lock is released. (Resuming a task takes that task's own status
/// lock, which its cancellation handler holds while it runs; a handler that
/// then takes this lock would deadlock with a resume made under it.)
///
/// Cancellation-safe: a task cancelled while parked (or before it parks) is
/// taken out of the state by `unpark` and resumed with the value `wait` was
/// given for that case.
public final class ParkingLot<State>: @unchecked Sendable {
    // @unchecked: `state` and `nextID` are only touched with `lock` held.
    private let lock = NSLock()
    private var state: State
    private var nextID: UInt64 = 0

    public init(_ state: State) { self.state = state }

    /// A parked task, kept in the state until a change lets it go.
    public struct Waiter<Value: Sendable>: Sendable {
        /// Unique within the lot: how `unpark` finds it.
        public let id: UInt64
        fileprivate let continuation: CheckedContinuation<Value, Never>
    }

    /// Resumptions collected under the lock, made after it is released.
    public struct Wakeups {
        fileprivate var actions: [@Sendable () -> Void] = []

        /// Resumes `waiter` with `value` once the lock is released.
        public mutating func resume<Value: Sendable>(_ waiter: Waiter<Value>, returning value: Value) {
            let continuation = waiter.continuation
            actions.append { continuation.resume(returning: value) }
        }

        /// Runs `action` once the lock is released (a callback that must not run under it).
        public mutating func after(_ action: @escaping @Sendable () -> Void) {
            actions.append(action)
        }

        fileprivate func run() {
            for action in actions { action() }
        }
    }

    /// Changes the state with the lock held; the wakeups `body` collects happen after it is released.
    public func update<R>(_ body: (inout State, inout Wakeups) throws -> R) rethrows -> R {
        var wakeups = Wakeups()
        lock.lock()
        defer {
            lock.unlock()
            wakeups.run()
        }
        return try body(&state, &wakeups)
    }

    /// Reads or changes the state without waking anyone.
    public func withLock<R>(_ body: (inout State) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&state)
    }

    private enum FirstTry<Value> {
        case done(Value)
        case park(UInt64)
    }

    /// Returns what `attempt` gives, parking the task until a wakeup when it gives nil.
    ///
    /// - Parameters:
    ///   - cancelled: the value for a task cancelled before `attempt` serves it.
    ///   - attempt: serves the task now if it can (nil: it must wait). Called
    ///     with the lock held, once before parking and again just before the
    ///     task is parked, so that no change between the two is missed.
    ///   - park: keeps the waiter in the state (a later change resumes it with
    ///     `Wakeups.resume`); may wake others who wait for tasks to park.
    ///   - unpark: takes the waiter with this id out of the state, returning
    ///     it; nil when a change already let it go (its wakeup is on the way).
    public func wait<Value: Sendable>(
        orCancelled cancelled: Value,
        attempt: (inout State, inout Wakeups) -> Value?,
        park: (inout State, Waiter<Value>, inout Wakeups) -> Void,
        unpark: @escaping @Sendable (inout State, UInt64) -> Waiter<Value>?
    ) async -> Value {
        // Served now (or cancelled) without a continuation.
        let id: UInt64
        switch firstTry(orCancelled: cancelled, attempt: attempt) {
        case .done(let value): return value
        case .park(let parked): id = parked
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Value, Never>) in
                parkUnlessServed(id, continuation, orCancelled: cancelled, attempt: attempt, park: park)
            }
        } onCancel: {
            let waiter = withLock { state in unpark(&state, id) }
            waiter?.continuation.resume(returning: cancelled)
        }
    }

    /// Returns what `attempt` gives, parking the task until a wakeup when it
    /// gives nil, whatever cancellation says: for a wait that must not be
    /// skipped (a lock that guards what comes after it).
    public func waitIgnoringCancellation<Value: Sendable>(
        attempt: (inout State, inout Wakeups) -> Value?,
        park: (inout State, Waiter<Value>, inout Wakeups) -> Void
    ) async -> Value {
        let id: UInt64
        switch firstTry(orCancelled: nil, attempt: attempt) {
        case .done(let value): return value
        case .park(let parked): id = parked
        }
        return await withCheckedContinuation { (continuation: CheckedContinuation<Value, Never>) in
            parkUnlessServed(id, continuation, orCancelled: nil, attempt: attempt, park: park)
        }
    }

    /// The try before a continuation exists: served, cancelled (when
    /// `cancelled` is given), or the id to park under.
    private func firstTry<Value: Sendable>(
        orCancelled cancelled: Value?, attempt: (inout State, inout Wakeups) -> Value?
    ) -> FirstTry<Value> {
        update { state, wakeups in
            if let value = attempt(&state, &wakeups) { return .done(value) }
            if let cancelled, Task.isCancelled { return .done(cancelled) }
            nextID += 1
            return .park(nextID)
        }
    }

    /// The try just before parking, so that no change since the first is
    /// missed; parks the waiter when it still must wait.
    private func parkUnlessServed<Value: Sendable>(
        _ id: UInt64, _ continuation: CheckedContinuation<Value, Never>, orCancelled cancelled: Value?,
        attempt: (inout State, inout Wakeups) -> Value?, park: (inout State, Waiter<Value>, inout Wakeups) -> Void
    ) {
        let ready: Value? = update { state, wakeups in
            if let value = attempt(&state, &wakeups) { return value }
            // Cancelled before parking: the handler found nothing to unpark.
            if let cancelled, Task.isCancelled { return cancelled }
            park(&state, Waiter(id: id, continuation: continuation), &wakeups)
            return nil
        }
        if let ready { continuation.resume(returning: ready) }
    }
}
