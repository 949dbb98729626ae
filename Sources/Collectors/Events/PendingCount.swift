/// Events queued or being handled by one subscriber, and the tasks waiting
/// for none to be left: they are woken when the count reaches zero or the
/// delivery ends, not by polling.
final class PendingCount: Sendable {
    private struct State {
        var count = 0
        var ended = false
        var nextWaiter: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        /// Waiters cancelled before they were registered.
        var cancelled: Set<UInt64> = []

        mutating func takeWaiters() -> [CheckedContinuation<Void, Never>] {
            defer { waiters.removeAll() }
            return Array(waiters.values)
        }
    }

    private let state = Locked(State())

    var count: Int { state.withLock { $0.count } }

    func increment() {
        state.withLock { $0.count += 1 }
    }

    func decrement() {
        let woken = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.count -= 1
            return s.count <= 0 ? s.takeWaiters() : []
        }
        for waiter in woken { waiter.resume() }
    }

    /// Delivery ended (the stream finished or the task was cancelled): nothing more will be handled.
    func end() {
        let woken = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.ended = true
            return s.takeWaiters()
        }
        for waiter in woken { waiter.resume() }
    }

    /// Returns when nothing is pending, delivery ended, or the calling task is cancelled.
    func waitUntilIdle() async {
        let id = state.withLock { s -> UInt64 in
            s.nextWaiter += 1
            return s.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.count <= 0 || s.ended || s.cancelled.remove(id) != nil { return true }
                    s.waiters[id] = waiter
                    return false
                }
                if now { waiter.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
                if let waiter = s.waiters.removeValue(forKey: id) { return waiter }
                s.cancelled.insert(id)
                return nil
            }
            waiter?.resume()
        }
    }
}
