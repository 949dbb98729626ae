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
        var deadline: Instant
        var waiter: ParkingLot<State>.Waiter<Bool>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var sleepers: [Sleeper] = []
        var watchers: [(count: Int, waiter: ParkingLot<State>.Waiter<Void>)] = []
    }

    private let state = ParkingLot(State())
    /// Tests waiting for a sleeper with a given deadline.
    private let deadlineWaiters = Waiters()

    public init() {}

    public var now: Instant { state.withLock { $0.now } }
    public var minimumResolution: Duration { .zero }
    /// Tasks asleep on this clock now.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        if state.withLock({ deadline <= $0.now }) { return try Task.checkCancellation() }
        let deadlineWaiters = self.deadlineWaiters
        let woke = await state.wait(
            orCancelled: false,
            attempt: { s, _ in deadline <= s.now ? true : nil },
            park: { s, waiter, wakeups in
                s.sleepers.append(Sleeper(deadline: deadline, waiter: waiter))
                let count = s.sleepers.count
                for watcher in s.watchers where watcher.count <= count { wakeups.resume(watcher.waiter, returning: ()) }
                s.watchers.removeAll { $0.count <= count }
                wakeups.after { deadlineWaiters.check() }
            },
            unpark: { s, id in
                guard let i = s.sleepers.firstIndex(where: { $0.waiter.id == id }) else { return nil }
                return s.sleepers.remove(at: i).waiter
            })
        if !woke { throw CancellationError() }
    }

    /// Moves time forward and wakes every sleeper whose deadline has come.
    public func advance(by duration: Duration) {
        state.update { s, wakeups in
            s.now = s.now.advanced(by: duration)
            let now = s.now
            for sleeper in s.sleepers where sleeper.deadline <= now { wakeups.resume(sleeper.waiter, returning: true) }
            s.sleepers.removeAll { $0.deadline <= now }
        }
    }

    /// Returns once a task is asleep until exactly `deadline`: the code under
    /// test has taken a deadline it computed (where counting sleepers cannot
    /// tell an old sleep from a new one). Returns early if the waiting task
    /// is cancelled.
    public func waitForSleeper(until deadline: Instant) async {
        await deadlineWaiters.wait { [state] in state.withLock { $0.sleepers.contains { $0.deadline == deadline } } }
    }

    /// Returns once at least `count` tasks are asleep on this clock (at once if the waiting task is cancelled).
    public func waitForSleepers(_ count: Int = 1) async {
        await state.wait(
            orCancelled: (),
            attempt: { s, _ in s.sleepers.count >= count ? () : nil },
            park: { s, waiter, _ in s.watchers.append((count, waiter)) },
            unpark: { s, id in
                guard let i = s.watchers.firstIndex(where: { $0.waiter.id == id }) else { return nil }
                return s.watchers.remove(at: i).waiter
            })
    }
}
