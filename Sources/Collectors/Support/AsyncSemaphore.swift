/// Limits how many operations run at once; waiters are served in order and
/// a cancelled waiter leaves the line without taking a permit.
final class AsyncSemaphore: Sendable {
    private struct State {
        var permits: Int
        var waiters: [ParkingLot<State>.Waiter<Bool>] = []
    }

    private let state: ParkingLot<State>

    init(permits: Int) {
        state = ParkingLot(State(permits: max(1, permits)))
    }

    func withPermit<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await body()
    }

    /// - Throws: `CancellationError` when the task is cancelled before it gets a permit.
    func acquire() async throws {
        let granted = await state.wait(
            orCancelled: false,
            attempt: { s, _ in
                // Waiters go first: a permit released is handed to the longest waiting.
                guard s.permits > 0, s.waiters.isEmpty else { return nil }
                s.permits -= 1
                return true
            },
            park: { s, waiter, _ in s.waiters.append(waiter) },
            unpark: { s, id in
                guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: i)
            })
        if !granted { throw CancellationError() }
    }

    func release() {
        state.update { s, wakeups in
            if s.waiters.isEmpty {
                s.permits += 1
            } else {
                // The permit passes straight to the next waiter.
                wakeups.resume(s.waiters.removeFirst(), returning: true)
            }
        }
    }
}
