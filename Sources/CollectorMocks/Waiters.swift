import Collectors

/// Tasks waiting until something holds in a mock ("the code under test got
/// this far"). The mock calls `check()` after each change; a waiter
/// registers and tests its condition in one step, so no change is missed.
/// A waiting task that is cancelled (a test past its time limit) returns at
/// once, so that a bug fails the test instead of hanging it.
final class Waiters: Sendable {
    private struct Waiting {
        var holds: @Sendable () -> Bool
        var waiter: ParkingLot<State>.Waiter<Void>
    }

    private struct State {
        var waiting: [Waiting] = []
    }

    private let state = ParkingLot(State())

    /// Returns once `holds()` is true. `holds` reads the mock's state (under
    /// the mock's own lock); it must not call back into these waiters.
    func wait(until holds: @escaping @Sendable () -> Bool) async {
        await state.wait(
            orCancelled: (),
            attempt: { _, _ in holds() ? () : nil },
            park: { s, waiter, _ in s.waiting.append(Waiting(holds: holds, waiter: waiter)) },
            unpark: { s, id in
                guard let i = s.waiting.firstIndex(where: { $0.waiter.id == id }) else { return nil }
                return s.waiting.remove(at: i).waiter
            })
    }

    /// Lets go every waiter whose condition now holds. Call it after a
    /// change, outside the mock's lock.
    func check() {
        state.update { s, wakeups in
            let ready = s.waiting.filter { $0.holds() }
            s.waiting.removeAll { waiting in ready.contains { $0.waiter.id == waiting.waiter.id } }
            for waiting in ready { wakeups.resume(waiting.waiter, returning: ()) }
        }
    }
}
