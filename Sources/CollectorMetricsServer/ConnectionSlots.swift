#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Collectors

/// The server's connections, at most `capacity` at once, and which of them
/// are only waiting for a request (its head still arriving, or idle between
/// two). When every slot is taken, a new client takes the slot of the one
/// that has waited longest for its request: clients that send slowly (or
/// not at all) cannot keep a probe out, since a probe's request arrives at
/// once. Only when every slot is answering a request is a client refused.
final class ConnectionSlots: Sendable {
    private struct Slot {
        var fd: Int32
        /// Since when it has waited for a request; `nil` while it answers one.
        var waitingSince: ContinuousClock.Instant?
    }

    private struct State {
        var slots: [UInt64: Slot] = [:]
        var next: UInt64 = 0
    }

    let capacity: Int
    private let state = Locked(State())

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// A slot for a new connection (waiting for its request), or `nil` when
    /// every slot answers a request. May end the connection that waited longest.
    func admit(_ fd: Int32) -> UInt64? {
        state.withLock { s in
            if s.slots.count >= capacity {
                let waiting = s.slots.filter { $0.value.waitingSince != nil }
                guard let victim = waiting.min(by: { $0.value.waitingSince! < $1.value.waitingSince! }) else { return nil }
                // Its thread sees the end of the stream and leaves; the descriptor
                // stays open until then (it is closed only after `leave`).
                shutdown(victim.value.fd, Int32(SHUT_RDWR))
                s.slots[victim.key] = nil
            }
            s.next += 1
            s.slots[s.next] = Slot(fd: fd, waitingSince: .now)
            return s.next
        }
    }

    /// The connection starts answering a request (`false`), or waits for the next one (`true`).
    /// Returns `false` if the slot was taken from it meanwhile.
    @discardableResult
    func setWaiting(_ id: UInt64, _ waiting: Bool) -> Bool {
        state.withLock { s in
            guard s.slots[id] != nil else { return false }
            s.slots[id]?.waitingSince = waiting ? .now : nil
            return true
        }
    }

    /// The connection has ended; call before closing its descriptor.
    func leave(_ id: UInt64) {
        state.withLock { $0.slots[id] = nil }
    }

    var count: Int { state.withLock { $0.slots.count } }
}
