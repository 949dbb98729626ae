/// The end of a pipeline's drain: once it has passed (`expire()`), writes
/// and replays in progress are no longer waited for.
///
/// A backend blocked in C (a database that does not answer) ignores task
/// cancellation, so the work is not cancelled: `race` runs it in a task of
/// its own and stops waiting for it. Its records are then spooled; if the
/// write finishes after all, the replay adds nothing (record ids).
final class DrainDeadline: Sendable {
    private struct State {
        var expired = false
        var waiters: [Int: @Sendable () -> Void] = [:]
        var nextToken = 0
    }

    private let state = Locked(State())

    var isExpired: Bool { state.withLock { $0.expired } }

    /// Passes the deadline: every `race` and `sleep` waiting returns now.
    func expire() {
        let waiters = state.withLock { state -> [@Sendable () -> Void] in
            guard !state.expired else { return [] }
            state.expired = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter() }
    }

    /// What `operation` returns, or `nil` when the deadline passes first
    /// (then `operation` goes on in its task, unwaited for).
    func race<T: Sendable>(_ operation: @escaping @Sendable () async -> T) async -> T? {
        if isExpired { return nil }
        return await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
            let once = ResumeOnce(continuation)
            let token = state.withLock { state -> Int? in
                guard !state.expired else { return nil }
                state.nextToken += 1
                state.waiters[state.nextToken] = { once.resume(nil) }
                return state.nextToken
            }
            guard let token else {
                once.resume(nil)
                return
            }
            Task {
                let value = await operation()
                self.state.withLock { _ = $0.waiters.removeValue(forKey: token) }
                once.resume(value)
            }
        }
    }

    /// Sleeps `duration` on `clock`, or until the deadline passes.
    func sleep(for duration: Duration, clock: AnyClock) async {
        _ = await race { try? await clock.sleep(until: clock.now.advanced(by: duration), tolerance: nil) }
    }
}

/// Resumes a continuation the first time only: two racers, one answer.
private final class ResumeOnce<T: Sendable>: Sendable {
    private let continuation: Locked<CheckedContinuation<T, Never>?>

    init(_ continuation: CheckedContinuation<T, Never>) {
        self.continuation = Locked(continuation)
    }

    func resume(_ value: T) {
        let pending = continuation.withLock { pending -> CheckedContinuation<T, Never>? in
            defer { pending = nil }
            return pending
        }
        pending?.resume(returning: value)
    }
}
