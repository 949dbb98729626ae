import Collectors
/// A clock that moves only when the test says so.
///
/// `sleep` suspends until `advance(by:)` has moved `now` past the deadline;
/// `waitForSleepers(_:)` lets a test wait until the code under test is
/// asleep, so no step depends on real time.
public final class ManualClock: Clock, Sendable {
    /// A point in time: the offset from the clock's start.
    public struct Instant: InstantProtocol {
        public var offset: Duration
        public init(offset: Duration) { self.offset = offset }
        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private struct Sleeper {
        var id: UInt64
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var sleepers: [Sleeper] = []
        var nextID: UInt64 = 0
        var watchers: [(Int, CheckedContinuation<Void, Never>)] = []
    }

    private let state = Locked(State())
    /// Tests waiting for a sleeper with a given deadline.
    private let deadlineWaiters = Waiters()

    public init() {}

    public var now: Instant { state.withLock { $0.now } }
    public var minimumResolution: Duration { .zero }
    /// Tasks asleep on this clock now.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id: UInt64? = state.withLock { s in
            if deadline <= s.now { return nil }
            s.nextID += 1
            return s.nextID
        }
        guard let id else { return try Task.checkCancellation() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let ready = state.withLock { s -> [CheckedContinuation<Void, Never>]? in
                    if deadline <= s.now {
                        continuation.resume()
                        return nil
                    }
                    if Task.isCancelled {
                        continuation.resume(throwing: CancellationError())
                        return nil
                    }
                    s.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    let count = s.sleepers.count
                    let ready = s.watchers.filter { $0.0 <= count }.map(\.1)
                    s.watchers.removeAll { $0.0 <= count }
                    return ready
                }
                for watcher in ready ?? [] { watcher.resume() }
                if ready != nil { deadlineWaiters.check() }
            }
        } onCancel: {
            let sleeper = state.withLock { s -> Sleeper? in
                guard let i = s.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return s.sleepers.remove(at: i)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward and wakes every sleeper whose deadline has come.
    public func advance(by duration: Duration) {
        let due = state.withLock { s -> [Sleeper] in
            s.now = s.now.advanced(by: duration)
            let now = s.now
            let due = s.sleepers.filter { $0.deadline <= now }
            s.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Returns once a task is asleep until exactly `deadline`: the code under
    /// test has taken a deadline it computed (where counting sleepers cannot
    /// tell an old sleep from a new one). Returns early if the waiting task
    /// is cancelled.
    public func waitForSleeper(until deadline: Instant) async {
        await deadlineWaiters.wait { [state] in state.withLock { $0.sleepers.contains { $0.deadline == deadline } } }
    }

    /// Returns once at least `count` tasks are asleep on this clock.
    public func waitForSleepers(_ count: Int = 1) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { s -> Bool in
                if s.sleepers.count >= count { return true }
                s.watchers.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }
}
