import Collectors

/// A one-way gate: tasks `wait()` until someone calls `open()`.
///
/// Tests use it instead of sleeps: a mock blocked on a gate is "slow" for
/// exactly as long as the test wants, on any machine.
public final class TestGate: Sendable {
    private struct State {
        var open = false
        var waiters: [ParkingLot<State>.Waiter<Bool>] = []
        var arrivals = 0
        var arrivalWatchers: [(count: Int, waiter: ParkingLot<State>.Waiter<Void>)] = []
    }

    private let state = ParkingLot(State())

    public init() {}

    public var isOpen: Bool { state.withLock { $0.open } }
    /// How many `wait()` calls have begun so far.
    public var arrivals: Int { state.withLock { $0.arrivals } }

    /// Suspends until the gate is open; throws `CancellationError` if cancelled first.
    public func wait() async throws {
        state.update { s, wakeups in
            s.arrivals += 1
            let arrivals = s.arrivals
            for watcher in s.arrivalWatchers where watcher.count <= arrivals { wakeups.resume(watcher.waiter, returning: ()) }
            s.arrivalWatchers.removeAll { $0.count <= arrivals }
        }
        let opened = await state.wait(
            orCancelled: false,
            attempt: { s, _ in s.open ? true : nil },
            park: { s, waiter, _ in s.waiters.append(waiter) },
            unpark: { s, id in
                guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: i)
            })
        if !opened { throw CancellationError() }
    }

    /// Opens the gate for good: every waiter, present and future, goes on.
    public func open() {
        state.update { s, wakeups in
            s.open = true
            for waiter in s.waiters { wakeups.resume(waiter, returning: true) }
            s.waiters = []
        }
    }

    /// Returns once `count` calls to `wait()` have begun: "the mock is now blocked".
    /// A cancelled task returns at once.
    public func waitForArrivals(_ count: Int) async {
        await state.wait(
            orCancelled: (),
            attempt: { s, _ in s.arrivals >= count ? () : nil },
            park: { s, waiter, _ in s.arrivalWatchers.append((count, waiter)) },
            unpark: { s, id in
                guard let i = s.arrivalWatchers.firstIndex(where: { $0.waiter.id == id }) else { return nil }
                return s.arrivalWatchers.remove(at: i).waiter
            })
    }
}
