/// An unbounded queue from a thread that is not a task (a socket reader)
/// to one async reader. `next()` returns `nil` when the reader's task is
/// cancelled.
public final class Mailbox<Element: Sendable>: Sendable {
    private struct State {
        var items: [Element] = []
        var head = 0
        var waiter: ParkingLot<State>.Waiter<Element?>?
    }

    private let state = ParkingLot(State())

    public init() {}

    public func push(_ element: Element) {
        state.update { state, wakeups in
            if let waiter = state.waiter {
                state.waiter = nil
                wakeups.resume(waiter, returning: element)
            } else {
                state.items.append(element)
            }
        }
    }

    public func next() async -> Element? {
        await state.wait(
            orCancelled: nil,
            attempt: { state, _ in
                guard state.head < state.items.count else { return nil }
                let item = state.items[state.head]
                state.head += 1
                if state.head == state.items.count {
                    state.items.removeAll(keepingCapacity: true)
                    state.head = 0
                }
                return .some(item)
            },
            park: { state, waiter, _ in state.waiter = waiter },
            unpark: { state, id in
                guard let waiter = state.waiter, waiter.id == id else { return nil }
                state.waiter = nil
                return waiter
            })
    }
}
