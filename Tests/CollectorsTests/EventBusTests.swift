import CollectorMocks
import CollectorValues
import Collectors
import Testing

// The time limit only guards against a hang (a lost wake-up); no test measures speed.
@Suite("EventBus", .timeLimit(.minutes(1)))
struct EventBusTests {
    struct Boom: Error {}

    func event(_ type: EventType, _ n: Int) -> SystemEvent {
        SystemEvent(type, source: "test", data: ["n": .integer(Int64(n))])
    }

    @Test func subscribersGetTheirTypeOrEverythingInOrder() async {
        let bus = EventBus()
        let completes = Collector<Int>()
        let all = Collector<String>()
        bus.subscribe(to: .collectionComplete) { completes.append(Int($0.data["n"]?.intValue ?? -1)) }
        bus.subscribeAll { all.append($0.type.rawValue) }
        for i in 0..<50 {
            bus.emit(event(i.isMultiple(of: 2) ? .collectionComplete : .storageComplete, i))
        }
        await bus.close()
        #expect(completes.values == Array(stride(from: 0, to: 50, by: 2)))
        #expect(all.values.count == 50)
        #expect(all.values.prefix(2) == ["collection_complete", "storage_complete"])
    }

    @Test func aThrowingSubscriberBreaksNothing() async {
        let bus = EventBus()
        let good = Collector<Int>()
        let bad = bus.subscribeAll { _ in throw Boom() }
        let fine = bus.subscribeAll { good.append(Int($0.data["n"]?.intValue ?? -1)) }
        for i in 0..<10 { bus.emit(event(.error, i)) }
        await bus.close()
        #expect(good.values == Array(0..<10))
        #expect(bus.statistics(for: bad)?.failed == 10)
        #expect(bus.statistics(for: fine)?.delivered == 10)
    }

    @Test func failuresAreCountedAndTheSubscriptionStays() async throws {
        let bus = EventBus()
        let seen = Collector<Int>()
        let token = bus.subscribeAll { event in
            let n = Int(event.data["n"]?.intValue ?? -1)
            seen.append(n)
            if n.isMultiple(of: 2) { throw Boom() }
        }
        for i in 0..<6 { bus.emit(event(.error, i)) }
        await bus.close()
        #expect(seen.values == Array(0..<6))
        let stats = try #require(bus.statistics(for: token))
        #expect(stats.failed == 3)
        #expect(stats.delivered == 3)
        #expect(stats.dropped == 0)
    }

    @Test func aSlowSubscriberDoesNotDelayOthers() async throws {
        let bus = EventBus()
        let gate = TestGate()
        let slow = Collector<Int>()
        let fast = Collector<Int>()
        bus.subscribeAll { event in
            try await gate.wait()
            slow.append(Int(event.data["n"]?.intValue ?? -1))
        }
        let fastDone = TestGate()
        bus.subscribeAll { event in
            let n = Int(event.data["n"]?.intValue ?? -1)
            fast.append(n)
            if n == 19 { fastDone.open() }
        }
        for i in 0..<20 { bus.emit(event(.retry, i)) }
        // The fast subscriber gets everything while the slow one is still blocked on its first event.
        try await fastDone.wait()
        #expect(fast.values == Array(0..<20))
        #expect(slow.values.isEmpty)
        gate.open()
        await bus.close()
        #expect(slow.values == Array(0..<20))
    }

    @Test func overflowDropsTheOldestAndCountsThem() async throws {
        let bus = EventBus(bufferSize: 4)
        let gate = TestGate()
        let started = TestGate()
        let seen = Collector<Int>()
        let token = bus.subscribeAll { event in
            started.open()
            try await gate.wait()
            seen.append(Int(event.data["n"]?.intValue ?? -1))
        }
        bus.emit(event(.error, 0))
        // The subscriber holds event 0 and blocks: its queue is empty now.
        try await started.wait()
        while gate.arrivals == 0 { await Task.yield() }
        for i in 1...10 { bus.emit(event(.error, i)) }
        #expect(bus.statistics(for: token)?.dropped == 6)
        gate.open()
        await bus.close()
        // Event 0 (in hand) and the newest four survive.
        #expect(seen.values == [0, 7, 8, 9, 10])
    }

    @Test func unsubscribedHandlersGetNothingMore() async throws {
        let bus = EventBus()
        let seen = Collector<Int>()
        let firstSeen = TestGate()
        let token = bus.subscribeAll { event in
            seen.append(Int(event.data["n"]?.intValue ?? -1))
            firstSeen.open()
        }
        bus.emit(event(.error, 1))
        try await firstSeen.wait()
        bus.unsubscribe(token)
        #expect(bus.subscriberCount == 0)
        #expect(bus.statistics(for: token) == nil)
        bus.emit(event(.error, 2))
        await bus.close()
        #expect(seen.values == [1])
    }

    @Test func emitAfterCloseIsIgnored() async {
        let bus = EventBus()
        let seen = Collector<Int>()
        bus.subscribeAll { _ in seen.append(1) }
        await bus.close()
        bus.emit(event(.error, 1))
        let late = bus.subscribeAll { _ in seen.append(2) }
        bus.emit(event(.error, 2))
        #expect(bus.statistics(for: late) == nil)
        #expect(seen.values.isEmpty)
    }
}

extension EventBusTests {
    /// A drain whose waiter gave up (Ctrl-C in the REPL ends a wait) stops
    /// polling at once, whatever the handlers still have to do.
    @Test func aCancelledDrainReturnsWhileAHandlerIsStillBusy() async throws {
        let bus = EventBus()
        let gate = TestGate()
        bus.subscribeAll { _ in try await gate.wait() }
        bus.emit(event(.pipelineStarted, 1))
        await gate.waitForArrivals(1)
        let draining = Task { await bus.drain() }
        draining.cancel()
        await draining.value
        #expect(!gate.isOpen, "the handler is still busy: the drain returned because it was cancelled")
        gate.open()
        await bus.drain()
        await bus.close()
    }

    /// A drain is woken when the last queued event has been handled, not before.
    @Test func aDrainReturnsOnceTheHandlerFinishesTheQueuedEvents() async throws {
        let bus = EventBus()
        let gate = TestGate()
        let seen = Collector<Int>()
        bus.subscribeAll { event in
            try await gate.wait()
            seen.append(Int(event.data["n"]?.intValue ?? -1))
        }
        for n in 1...3 { bus.emit(event(.pipelineStarted, n)) }
        await gate.waitForArrivals(1)
        let draining = Task { await bus.drain(); return seen.values }
        gate.open()
        #expect(await draining.value == [1, 2, 3], "every event emitted before the drain was handled when it returned")
        await bus.close()
    }

    /// A subscriber removed with events still queued does not hold a drain up.
    @Test func anUnsubscribedHandlerDoesNotHoldUpADrain() async throws {
        let bus = EventBus()
        let gate = TestGate()
        let token = bus.subscribeAll { _ in try await gate.wait() }
        for n in 1...3 { bus.emit(event(.pipelineStarted, n)) }
        await gate.waitForArrivals(1)
        bus.unsubscribe(token)
        await bus.drain()
        gate.open()
        await bus.close()
    }
}

extension EventBusTests {
    private final class Token: Sendable {}

    /// A bus dropped without `close()` (a script state released as it was)
    /// ends its delivery tasks, so their handlers and what they hold go too.
    @Test func aBusDroppedWithoutClosingReleasesItsHandlers() async throws {
        weak var held: Token?
        do {
            let bus = EventBus()
            let token = Token()
            held = token
            bus.subscribeAll { _ in _ = token }
            bus.emit(event(.pipelineStarted, 1))
            await bus.drain()
        }
        // The delivery task ends on its own thread of the pool: wait for it, bounded.
        for _ in 0..<2000 where held != nil { try await Task.sleep(for: .milliseconds(5)) }
        #expect(held == nil, "the handler outlived its bus")
    }
}
