import Collectors
import Dispatch
import Foundation
import Testing

// The time limit only guards against a hang (a lost or deadlocked wake-up); no test measures speed.
@Suite("ParkingLot", .timeLimit(.minutes(1)))
struct ParkingLotTests {
    /// A state of parked waiters for one value each.
    struct Slots {
        var waiters: [ParkingLot<Slots>.Waiter<Int>] = []
        var ready: [Int] = []
    }

    static func wait(_ lot: ParkingLot<Slots>) async -> Int {
        await lot.wait(
            orCancelled: -1,
            attempt: { s, _ in s.ready.isEmpty ? nil : s.ready.removeFirst() },
            park: { s, waiter, _ in s.waiters.append(waiter) },
            unpark: { s, id in
                guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: i)
            })
    }

    static func give(_ value: Int, to lot: ParkingLot<Slots>) {
        lot.update { s, wakeups in
            if s.waiters.isEmpty {
                s.ready.append(value)
            } else {
                wakeups.resume(s.waiters.removeFirst(), returning: value)
            }
        }
    }

    static func parked(_ lot: ParkingLot<Slots>, _ count: Int) async throws {
        while lot.withLock({ $0.waiters.count }) < count {
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    @Test func wakeupsRunOnlyOnceTheLockIsReleased() {
        let lot = ParkingLot(0)
        let done = DispatchSemaphore(value: 0)
        // The lock is not recursive: a wakeup run under it would never finish.
        Thread.detachNewThread {
            lot.update { count, wakeups in
                count += 1
                wakeups.after { lot.withLock { $0 += 10 } }
            }
            done.signal()
        }
        #expect(done.wait(timeout: .now() + 10) == .success, "a wakeup ran with the lock held")
        #expect(lot.withLock { $0 } == 11)
    }

    @Test func aParkedTaskGetsWhatTheChangeGivesIt() async throws {
        let lot = ParkingLot(Slots())
        let waiting = Task { await Self.wait(lot) }
        try await Self.parked(lot, 1)
        Self.give(42, to: lot)
        #expect(await waiting.value == 42)
        #expect(lot.withLock { $0.waiters.isEmpty })
    }

    @Test func aValueReadyBeforehandIsTakenWithoutParking() async {
        let lot = ParkingLot(Slots())
        Self.give(7, to: lot)
        #expect(await Self.wait(lot) == 7)
    }

    @Test func aCancelledTaskLeavesTheStateWithTheCancelledValue() async throws {
        let lot = ParkingLot(Slots())
        let waiting = Task { await Self.wait(lot) }
        try await Self.parked(lot, 1)
        waiting.cancel()
        #expect(await waiting.value == -1)
        #expect(lot.withLock { $0.waiters.isEmpty })
        // A value given later is kept for the next waiter, not lost with the cancelled one.
        Self.give(5, to: lot)
        #expect(await Self.wait(lot) == 5)
    }

    @Test func aTaskCancelledBeforeItWaitsDoesNotPark() async {
        let lot = ParkingLot(Slots())
        let waiting = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await Self.wait(lot)
        }
        #expect(await waiting.value == -1)
        #expect(lot.withLock { $0.waiters.isEmpty })
    }

    /// Cancellation racing a wakeup: every value is received once, by a
    /// waiter or by the next attempt, and nothing hangs.
    @Test func cancellationRacingWakeupsLosesNothing() async {
        let lot = ParkingLot(Slots())
        let total = 2000
        let giver = Task.detached {
            for value in 0..<total {
                Self.give(value, to: lot)
                if value % 7 == 0 { await Task.yield() }
            }
        }
        var received: [Int] = []
        while received.count < total {
            let waiting = Task { await Self.wait(lot) }
            if received.count % 2 == 0 { waiting.cancel() }
            let value = await waiting.value
            if value >= 0 { received.append(value) }
        }
        await giver.value
        #expect(received == Array(0..<total))
    }
}
