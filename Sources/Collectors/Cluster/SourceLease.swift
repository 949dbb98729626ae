import Foundation

/// One source's lease as this process holds it: the fencing token of the
/// acquisition and how long it is valid by the local clock.
///
/// The deadline is conservative: it counts from before the statement that
/// won or renewed the lease was sent, so the server's expiry is never
/// earlier. The holder stops collecting when the deadline passes even if
/// it could not hear from the server (a paused process, a lost connection).
public final class SourceLease: Sendable {
    public let pipeline: String
    public let source: String
    /// Grows by one with every acquisition of the lease, by any process.
    public let token: Int64

    private struct State {
        var deadline: ContinuousClock.Instant
        var lost = false
        var handedOver = false
        var stopped = false
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let state: Locked<State>

    /// The lease the current task collects under (set by the collection manager in cluster mode).
    @TaskLocal public static var current: SourceLease?

    /// For a source about to reach out (a poll, a request): throws `CancellationError`
    /// when the task collects under a lease that is no longer held (it ran out while
    /// the process was paused, or was lost); another process may hold the source now.
    public static func checkHeld() throws {
        if let lease = current, !lease.isHeld || !lease.mayStore(margin: lease.pollMargin) { throw CancellationError() }
    }

    /// How much of the lease must be left to start a poll: a request in flight
    /// has that long to finish before another process could take the source.
    public let pollMargin: Duration

    public init(
        pipeline: String, source: String, token: Int64, deadline: ContinuousClock.Instant, pollMargin: Duration = .zero
    ) {
        self.pollMargin = pollMargin
        self.pipeline = pipeline
        self.source = source
        self.token = token
        state = Locked(State(deadline: deadline))
    }

    /// Held for collecting: not lost, not being handed over, and within its deadline.
    public var isHeld: Bool {
        state.withLock { !$0.lost && !$0.handedOver && ContinuousClock.now < $0.deadline }
    }

    /// Whether records read under the lease may still be stored: not lost,
    /// and `margin` before its deadline (a lease being handed over still
    /// stores what was read before its source stopped).
    public func mayStore(margin: Duration = .zero) -> Bool {
        state.withLock { !$0.lost && ContinuousClock.now + margin < $0.deadline }
    }

    public var deadline: ContinuousClock.Instant { state.withLock { $0.deadline } }

    /// Whether the holder stopped the source after the lease was lost or released.
    public var isStopped: Bool { state.withLock { $0.stopped } }

    /// A renewal moved the deadline on (never back).
    public func extend(until deadline: ContinuousClock.Instant) {
        state.withLock { if !$0.lost, deadline > $0.deadline { $0.deadline = deadline } }
    }

    /// The lease is gone (expired, taken over, released): wakes `lost()`.
    public func markLost() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.lost else { return [] }
            state.lost = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// The lease is to be handed over: collection stops (wakes `lost()`), but
    /// the lease stays held while what was read is stored, then is released.
    public func handOver() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.lost, !state.handedOver else { return [] }
            state.handedOver = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// The collector stopped the source it collected under this lease.
    public func markStopped() {
        state.withLock { $0.stopped = true }
    }

    /// Returns once the lease is lost or handed over, or when the calling task is cancelled.
    public func lost() async {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.lost || state.handedOver || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
