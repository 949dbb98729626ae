import CollectorMocks
import Collectors
import Testing

// The time limit only guards against a hang (a lost wake-up); no test measures speed.
// It is generous: 100,000 hand-overs share two pool threads with the whole suite.
@Suite("BoundedQueue", .timeLimit(.minutes(4)))
struct BoundedQueueTests {
    @Test func deliversInOrderAndEndsAfterFinish() async throws {
        let queue = BoundedQueue<Int>(capacity: 4)
        for i in 0..<3 { try await queue.send(i) }
        queue.finish()
        var received: [Int] = []
        for await value in queue { received.append(value) }
        #expect(received == [0, 1, 2])
        await #expect(throws: BoundedQueue<Int>.SendError.self) { try await queue.send(9) }
    }

    @Test func aSlowConsumerHoldsTheProducerBackAndMemoryStaysBounded() async throws {
        let capacity = 3
        let total = 200
        let queue = BoundedQueue<Int>(capacity: capacity)
        let sent = Collector<Int>()
        let producer = Task {
            for i in 0..<total {
                try await queue.send(i)
                sent.append(i)
            }
            queue.finish()
        }
        var received: [Int] = []
        var maxAhead = 0
        while let value = await queue.receive() {
            received.append(value)
            // The producer can be ahead of us by the buffer plus the one send in flight, never more.
            maxAhead = max(maxAhead, sent.values.count - received.count)
            // A slow consumer: give the producer every chance to run ahead.
            for _ in 0..<3 { await Task.yield() }
        }
        try await producer.value
        #expect(received == Array(0..<total))
        #expect(queue.maxDepth <= capacity)
        #expect(queue.maxDepth == capacity, "the producer filled the buffer while the consumer lagged")
        #expect(maxAhead <= capacity + 1)
    }

    @Test func orderHoldsWhenSendersAndReceiversRaceOnAnAlmostEmptyQueue() async throws {
        // A sender that found the queue full and a receiver that found it
        // empty meet here constantly; the element must go to the receiver in
        // FIFO order, never around one left in the buffer.
        let total = 50_000
        for capacity in [1, 2] {
            let queue = BoundedQueue<Int>(capacity: capacity)
            var received: [Int] = []
            received.reserveCapacity(total)
            // A child task: if the test is cancelled (its time limit), the
            // producer is too, rather than left waiting on a full queue.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for i in 0..<total { try await queue.send(i) }
                    queue.finish()
                }
                while let value = await queue.receive() { received.append(value) }
                try await group.waitForAll()
            }
            let firstOutOfOrder = received.indices.first { received[$0] != $0 }
            #expect(firstOutOfOrder == nil, "capacity \(capacity): out of order at \(firstOutOfOrder ?? -1)")
            #expect(received.count == total)
        }
    }

    @Test func aFullQueueSuspendsTheSenderUntilSpaceIsMade() async throws {
        let queue = BoundedQueue<Int>(capacity: 1)
        try await queue.send(1)
        let sender = Task {
            try await queue.send(2)
            return "sent"
        }
        while queue.waitingSenderCount == 0 { await Task.yield() }
        // The sender is suspended, not enqueued: the buffer still holds one.
        #expect(queue.count == 1)
        #expect(queue.acceptedCount == 1)
        #expect(await queue.receive() == 1)
        #expect(try await sender.value == "sent")
        #expect(await queue.receive() == 2)
    }

    @Test func aCancelledSenderLeavesWithoutEnqueueingOrBlocking() async throws {
        let queue = BoundedQueue<Int>(capacity: 1)
        try await queue.send(1)
        let sender = Task { try await queue.send(2) }
        while queue.waitingSenderCount == 0 { await Task.yield() }
        sender.cancel()
        await #expect(throws: CancellationError.self) { try await sender.value }
        #expect(queue.count == 1)
        #expect(queue.waitingSenderCount == 0, "the cancelled sender left the line")
        #expect(await queue.receive() == 1)
        // The queue still works for others.
        try await queue.send(3)
        queue.finish()
        #expect(await queue.receive() == 3)
        #expect(await queue.receive() == nil)
        #expect(queue.acceptedCount == 2)
    }

    @Test func aCancelledReceiverGetsNil() async throws {
        let queue = BoundedQueue<Int>(capacity: 2)
        let receiver = Task { await queue.receive() }
        receiver.cancel()
        #expect(await receiver.value == nil)
        try await queue.send(5)
        #expect(await queue.receive() == 5, "the cancelled receiver took nothing")
    }

    @Test func finishWakesWaitingReceiversAndKeepsWaitingSendersElements() async throws {
        let queue = BoundedQueue<Int>(capacity: 1)
        let receiver = Task { await queue.receive() }
        queue.finish()
        #expect(await receiver.value == nil)

        let queue2 = BoundedQueue<Int>(capacity: 1)
        try await queue2.send(1)
        let sender = Task { try await queue2.send(2) }
        while queue2.waitingSenderCount == 0 { await Task.yield() }
        queue2.finish()
        var rest: [Int] = []
        for await value in queue2 { rest.append(value) }
        try await sender.value
        #expect(rest == [1, 2], "a sender waiting before finish() is delivered")
    }

    @Test func closeFailsWaitingSendersAndDropsTheBuffer() async throws {
        let queue = BoundedQueue<Int>(capacity: 1)
        try await queue.send(1)
        let sender = Task { try await queue.send(2) }
        while queue.waitingSenderCount == 0 { await Task.yield() }
        queue.close()
        await #expect(throws: BoundedQueue<Int>.SendError.self) { try await sender.value }
        #expect(await queue.receive() == nil)
        #expect(queue.count == 0)
    }

    @Test func receiveUpToTakesABatch() async throws {
        let queue = BoundedQueue<Int>(capacity: 10)
        for i in 0..<7 { try await queue.send(i) }
        #expect(await queue.receive(upTo: 5) == [0, 1, 2, 3, 4])
        #expect(await queue.receive(upTo: 5) == [5, 6])
        queue.finish()
        #expect(await queue.receive(upTo: 5) == [])
    }

    @Test func manyProducersAndConsumersLoseNothing() async throws {
        let queue = BoundedQueue<Int>(capacity: 4)
        let received = Collector<Int>()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for consumer in 0..<3 {
                _ = consumer
                group.addTask {
                    while true {
                        let batch = await queue.receive(upTo: 3)
                        if batch.isEmpty { return }
                        for value in batch { received.append(value) }
                    }
                }
            }
            try await withThrowingTaskGroup(of: Void.self) { producers in
                for p in 0..<4 {
                    producers.addTask { for i in 0..<250 { try await queue.send(p * 1000 + i) } }
                }
                try await producers.waitForAll()
            }
            queue.finish()
            try await group.waitForAll()
        }
        #expect(received.values.count == 1000)
        #expect(Set(received.values).count == 1000)
        #expect(queue.maxDepth <= 4)
    }

    @Test(arguments: [1, 3, 64])
    func batchesOfSendsKeepOrderAndTheBound(capacity: Int) async throws {
        let queue = BoundedQueue<Int>(capacity: capacity)
        let producer = Task {
            var next = 0
            for round in 0..<40 {
                // Single sends and batches of varying size, one after the other.
                if round % 3 == 0 {
                    try await queue.send(next)
                    next += 1
                } else {
                    let batch = Array(next..<next + round)
                    try await queue.send(contentsOf: batch)
                    next += round
                }
            }
            queue.finish()
            return next
        }
        var received: [Int] = []
        while true {
            let batch = await queue.receive(upTo: 7)
            if batch.isEmpty { break }
            #expect(batch.count <= 7)
            received += batch
        }
        let total = try await producer.value
        #expect(received == Array(0..<total))
        #expect(queue.maxDepth <= capacity)
        #expect(queue.acceptedCount == total)
    }

    @Test func aBatchAfterFinishFails() async throws {
        let queue = BoundedQueue<Int>(capacity: 4)
        try await queue.send(contentsOf: [1, 2])
        queue.finish()
        await #expect(throws: BoundedQueue<Int>.SendError.self) { try await queue.send(contentsOf: [3]) }
        #expect(await queue.receive(upTo: 10) == [1, 2])
    }
}


extension BoundedQueueTests {
    /// The processing stage races a receive against its timer and cancels
    /// the loser, while the source sends: a cancelled receive must neither
    /// deadlock with a sender handing it items nor lose them.
    @Test func aReceiveRacedAgainstATimerAndCancelledLosesNothing() async throws {
        let queue = BoundedQueue<Int>(capacity: 2)
        let total = 3000
        let producer = Task.detached {
            for i in 0..<total { try await queue.send(i) }
            queue.finish()
        }
        // Cancelled with the test (its time limit), the producer goes too.
        defer { producer.cancel() }
        var received: [Int] = []
        race: while true {
            try Task.checkCancellation()
            let outcome: [Int]? = await withTaskGroup(of: [Int]?.self) { group in
                group.addTask { await queue.receive(upTo: 3) }
                group.addTask {
                    await Task.yield()
                    return nil
                }
                let first = await group.next()!
                group.cancelAll()
                var items = first
                while let other = await group.next() {
                    if let other, !other.isEmpty { items = other }
                }
                return items
            }
            if let outcome {
                if outcome.isEmpty && queue.isFinished && queue.count == 0 { break race }
                received += outcome
            }
        }
        try await producer.value
        #expect(received == Array(0..<total))
    }
}
