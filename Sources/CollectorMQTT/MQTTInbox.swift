import Collectors
import Foundation

/// The bounded hand-over between libmosquitto's network thread (which puts
/// messages in, blocking while the inbox is full) and the source's async
/// reader (which parks, never blocks, while it is empty).
///
/// While the inbox is full the network thread reads nothing more: the
/// broker keeps the rest (in the session's queue, or in TCP buffers), so a
/// slow pipeline slows the broker's delivery instead of growing memory.
final class MQTTInbox: Sendable {
    enum Event: Sendable {
        case message(MQTTMessage)
        /// The connection ended; why.
        case lost(String)
    }

    private struct State {
        var events: [Event] = []
        var head = 0
        /// Messages in `events` (a `.lost` takes no room).
        var messages = 0
        var closed = false
        /// Whether a full inbox makes `put` wait; off until the connection is
        /// set up, because the reader waits for that while a persistent
        /// session's queued messages may come before the SUBACK.
        var bounded = false
        var reader: ParkingLot<State>.Waiter<Event?>?
    }

    let capacity: Int
    private let state = ParkingLot(State())
    // The network thread waits here for room; signalled per message taken, and at close.
    private let room = NSCondition()

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Puts a message in, waiting while the inbox is full; `false` when the inbox was closed.
    /// Called on the network thread only.
    func put(_ message: MQTTMessage) -> Bool {
        room.lock()
        defer { room.unlock() }
        while true {
            let done: Bool? = state.update { state, wakeups in
                if state.closed { return false }
                guard state.messages < capacity || !state.bounded else { return nil }
                if deliver(.message(message), &state, &wakeups) { state.messages += 1 }
                return true
            }
            if let done { return done }
            room.wait()
        }
    }

    /// From now on a full inbox makes `put` wait.
    func bound() {
        state.withLock { $0.bounded = true }
        signalRoom()
    }

    /// Says the connection ended (after the messages already in).
    func lose(_ reason: String) {
        state.update { state, wakeups in
            guard !state.closed else { return }
            _ = deliver(.lost(reason), &state, &wakeups)
        }
    }

    /// The next event; nil when the inbox is closed or the task cancelled.
    func next() async -> Event? {
        let event = await state.wait(
            orCancelled: nil,
            attempt: { state, _ -> Event?? in
                if state.head < state.events.count {
                    let event = state.events[state.head]
                    state.head += 1
                    if state.head == state.events.count {
                        state.events.removeAll(keepingCapacity: true)
                        state.head = 0
                    }
                    if case .message = event { state.messages -= 1 }
                    return .some(event)
                }
                return state.closed ? .some(nil) : nil
            },
            park: { state, waiter, _ in state.reader = waiter },
            unpark: { state, id in
                guard state.reader?.id == id else { return nil }
                defer { state.reader = nil }
                return state.reader
            })
        if case .message? = event { signalRoom() }
        return event
    }

    /// Ends the inbox: a waiting put returns false, a waiting reader nil.
    /// Returns how many messages were still in it, unread.
    @discardableResult
    func close() -> Int {
        let unread = state.update { state, wakeups -> Int in
            state.closed = true
            if let reader = state.reader {
                state.reader = nil
                wakeups.resume(reader, returning: nil)
            }
            let unread = state.messages
            state.events = []
            state.head = 0
            state.messages = 0
            return unread
        }
        signalRoom()
        return unread
    }

    private func signalRoom() {
        room.lock()
        room.broadcast()
        room.unlock()
    }

    /// Hands the event to a parked reader, or queues it; `true` when queued.
    private func deliver(_ event: Event, _ state: inout State, _ wakeups: inout ParkingLot<State>.Wakeups) -> Bool {
        if let reader = state.reader {
            state.reader = nil
            wakeups.resume(reader, returning: event)
            return false
        }
        state.events.append(event)
        return true
    }
}
