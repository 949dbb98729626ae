import Collectors

/// A lock held across suspension points, granted in request order: a batch
/// and a swap of versions must never interleave, and both await other
/// actors (the Lua states) while they hold it.
final class AsyncLock: Sendable {
    private struct State {
        var locked = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        var head = 0
    }

    private let state = Locked(State())

    func lock() async {
        let granted = state.withLock { s -> Bool in
            guard s.locked else {
                s.locked = true
                return true
            }
            return false
        }
        if granted { return }
        await withCheckedContinuation { continuation in
            let now = state.withLock { s -> Bool in
                // Unlocked between the two steps: take it now.
                guard s.locked else {
                    s.locked = true
                    return true
                }
                s.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    func unlock() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard s.head < s.waiters.count else {
                s.waiters.removeAll()
                s.head = 0
                s.locked = false
                return nil
            }
            let waiter = s.waiters[s.head]
            s.head += 1
            return waiter  // the lock passes straight to it
        }
        next?.resume()
    }
}
