/// How long a network operation may wait: each wait for the peer at most
/// `idle`, and nothing past `end`.
package struct Deadline: Sendable {
    package var idle: Duration?
    package var end: ContinuousClock.Instant?

    package init(idle: Duration? = nil, end: ContinuousClock.Instant? = nil) {
        self.idle = idle
        self.end = end
    }

    /// No wait may last longer than `duration` from now.
    package static func after(_ duration: Duration) -> Deadline {
        Deadline(end: .now.advanced(by: duration))
    }

    /// The instant a wait that starts now must end by.
    package func forWait() -> ContinuousClock.Instant? {
        guard let idle else { return end }
        let idleEnd = ContinuousClock.now.advanced(by: idle)
        return end.map { min($0, idleEnd) } ?? idleEnd
    }

    /// This deadline, but ending no later than `duration` from now.
    package func capped(at duration: Duration) -> Deadline {
        let cap = ContinuousClock.now.advanced(by: duration)
        return Deadline(idle: idle, end: end.map { min($0, cap) } ?? cap)
    }
}
