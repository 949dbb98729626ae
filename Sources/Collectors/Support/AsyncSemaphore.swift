/// Limits how many operations run at once; waiters are served in order and
/// a cancelled waiter leaves the line without taking a permit.
final class AsyncSemaphore: Sendable {
    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var permits: Int
        var waiters: [Waiter] = []
        var nextID: UInt64 = 0
    }

    private let state: Locked<State>

    init(permits: Int) {
        state = Locked(State(permits: max(1, permits)))
    }

    func withPermit<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await body()
    }

    func acquire() async throws {
        let id: UInt64? = state.withLock { s in
            if s.permits > 0 {
                s.permits -= 1
                return nil
            }
            s.nextID += 1
            return s.nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                state.withLock { s in
                    if Task.isCancelled {
                        continuation.resume(throwing: CancellationError())
                    } else if s.permits > 0 {
                        s.permits -= 1
                        continuation.resume()
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

    func release() {
        let waiter = state.withLock { s -> Waiter? in
            if s.waiters.isEmpty {
                s.permits += 1
                return nil
            }
            return s.waiters.removeFirst()
        }
        // The permit passes straight to the next waiter.
        waiter?.continuation.resume()
    }
}
