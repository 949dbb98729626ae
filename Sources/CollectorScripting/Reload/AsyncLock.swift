import Collectors

/// A lock held across suspension points, granted in request order: a batch
/// and a swap of versions must never interleave, and both await other
/// actors (the Lua states) while they hold it. Not cancellable: what it
/// guards must not run without it.
final class AsyncLock: Sendable {
    private struct State {
        var locked = false
        var waiters: [ParkingLot<State>.Waiter<Void>] = []
    }

    private let state = ParkingLot(State())

    func lock() async {
        await state.waitIgnoringCancellation(
            attempt: { s, _ in
                // Waiters go first: the lock passes to them in order.
                guard !s.locked, s.waiters.isEmpty else { return nil }
                s.locked = true
                return ()
            },
            park: { s, waiter, _ in s.waiters.append(waiter) })
    }

    func unlock() {
        state.update { s, wakeups in
            if s.waiters.isEmpty {
                s.locked = false
            } else {
                // The lock passes straight to the next waiter.
                wakeups.resume(s.waiters.removeFirst(), returning: ())
            }
        }
    }
}
