import Collectors
/// A one-way gate: tasks `wait()` until someone calls `open()`.
///
/// Tests use it instead of sleeps: a mock blocked on a gate is "slow" for
/// exactly as long as the test wants, on any machine.
public final class TestGate: Sendable {
    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var open = false
        var waiters: [Waiter] = []
        var nextID: UInt64 = 0
        var arrivals = 0
        var arrivalWatchers: [(Int, CheckedContinuation<Void, Never>)] = []
    }

    private let state = Locked(State())

    public init() {}

    public var isOpen: Bool { state.withLock { $0.open } }
    /// How many `wait()` calls have begun so far.
    public var arrivals: Int { state.withLock { $0.arrivals } }

    /// Suspends until the gate is open; throws `CancellationError` if cancelled first.
    public func wait() async throws {
        let (id, watchers) = state.withLock { s -> (UInt64?, [CheckedContinuation<Void, Never>]) in
            s.arrivals += 1
            let ready = s.arrivalWatchers.filter { $0.0 <= s.arrivals }.map(\.1)
            s.arrivalWatchers.removeAll { $0.0 <= s.arrivals }
            if s.open { return (nil, ready) }
            s.nextID += 1
            return (s.nextID, ready)
        }
        for watcher in watchers { watcher.resume() }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                state.withLock { s in
                    if s.open {
                        continuation.resume()
                    } else if Task.isCancelled {
                        continuation.resume(throwing: CancellationError())
                    } else {
                        s.waiters.append(Waiter(id: id, continuation: continuation))
                    }
                }
            }
        } onCancel: {
            let waiter = state.withLock { s -> Waiter? in
                guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: i)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Opens the gate for good: every waiter, present and future, goes on.
    public func open() {
        let waiters = state.withLock { s -> [Waiter] in
            s.open = true
            defer { s.waiters = [] }
            return s.waiters
        }
        for waiter in waiters { waiter.continuation.resume() }
    }

    /// Returns once `count` calls to `wait()` have begun: "the mock is now blocked".
    public func waitForArrivals(_ count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { s -> Bool in
                if s.arrivals >= count { return true }
                s.arrivalWatchers.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }
}
