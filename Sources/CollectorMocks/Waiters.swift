import Collectors

/// Tasks waiting until something holds in a mock ("the code under test got
/// this far"). The mock calls `check()` after each change; a waiter
/// registers and tests its condition in one step, so no change is missed.
/// A waiting task that is cancelled (a test past its time limit) returns at
/// once, so that a bug fails the test instead of hanging it.
final class Waiters: Sendable {
    private struct Waiter {
        var id: UInt64
        var holds: @Sendable () -> Bool
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var waiting: [Waiter] = []
        var nextID: UInt64 = 0
    }

    private let state = Locked(State())

    /// Returns once `holds()` is true. `holds` reads the mock's state (under
    /// the mock's own lock); it must not call back into these waiters.
    func wait(until holds: @escaping @Sendable () -> Bool) async {
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { s -> Bool in
                    if Task.isCancelled || holds() { return true }
                    s.waiting.append(Waiter(id: id, holds: holds, continuation: continuation))
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { s -> Waiter? in
                guard let i = s.waiting.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiting.remove(at: i)
            }
            waiter?.continuation.resume()
        }
    }

    /// Lets go every waiter whose condition now holds. Call it after a
    /// change, outside the mock's lock.
    func check() {
        let ready = state.withLock { s -> [Waiter] in
            let ready = s.waiting.filter { $0.holds() }
            s.waiting.removeAll { waiter in ready.contains { $0.id == waiter.id } }
            return ready
        }
        for waiter in ready { waiter.continuation.resume() }
    }
}
