/// A value set once (a process's exit, a connection's end) and awaited by
/// any number of tasks, with or without a time limit. Waiting wakes on the
/// value or the limit, never on a timer that looks again.
package final class OneShot<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiters: [ParkingLot<State>.Waiter<Value?>] = []
        /// Waiters that cancellation does not release.
        var steadfast: [ParkingLot<State>.Waiter<Value>] = []
    }

    private let state = ParkingLot(State())

    package init() {}

    /// Sets the value and wakes every waiter; later calls are ignored.
    package func set(_ value: Value) {
        state.update { state, wakeups in
            guard state.value == nil else { return }
            state.value = value
            for waiter in state.waiters { wakeups.resume(waiter, returning: value) }
            for waiter in state.steadfast { wakeups.resume(waiter, returning: value) }
            state.waiters = []
            state.steadfast = []
        }
    }

    /// The value if it is set.
    package var current: Value? { state.withLock { $0.value } }

    /// The value once it is set; `nil` when the task is cancelled first.
    package func value() async -> Value? {
        await state.wait(
            orCancelled: nil,
            attempt: { state, _ in state.value.map { .some($0) } },
            park: { state, waiter, _ in state.waiters.append(waiter) },
            unpark: { state, id in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            })
    }

    /// The value once it is set, whatever cancellation says: for a wait
    /// that must not be skipped (reaping a child process).
    package func valueIgnoringCancellation() async -> Value {
        await state.waitIgnoringCancellation(
            attempt: { state, _ in state.value },
            park: { state, waiter, _ in state.steadfast.append(waiter) })
    }

    /// The value if it is set within `limit`, else `nil` (also when the task is cancelled).
    package func value(within limit: Duration) async -> Value? {
        if let value = current { return value }
        let first = await withTaskGroup(of: Value?.self) { group in
            group.addTask { await self.value() }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        // The limit and the value may have come together.
        return first ?? current
    }
}
