/// A bounded, multi-producer, multi-consumer FIFO between two layers.
///
/// `send` suspends while the queue holds `capacity` elements: a slow consumer
/// holds its producers back, and memory stays bounded by `capacity` plus one
/// element per suspended sender. `finish()` ends the input: receivers get the
/// rest, then `nil`. `close()` ends both sides at once (a consumer that gave
/// up): buffered elements are dropped and every sender fails.
///
/// Cancellation-safe: a cancelled sender leaves the queue without enqueueing
/// and throws `CancellationError`; a cancelled receiver gets `nil`.
public final class BoundedQueue<Element: Sendable>: Sendable {
    /// Why `send` failed other than by cancellation.
    public enum SendError: Error, Sendable {
        /// `finish()` or `close()` was called before the element was accepted.
        case closed
    }

    /// How a waiting send ended.
    private enum SendOutcome: Sendable {
        case accepted
        case closed
        case cancelled
    }

    private struct Sender {
        var element: Element
        var waiter: ParkingLot<State>.Waiter<SendOutcome>
    }

    private struct Receiver {
        var max: Int
        var waiter: ParkingLot<State>.Waiter<[Element]>
    }

    private struct State {
        var buffer: RingBuffer<Element>
        var senders: [Sender] = []
        var receivers: [Receiver] = []
        var finished = false
        var maxDepth = 0
        var sent = 0
    }

    /// The most elements the buffer holds; senders wait beyond it.
    public let capacity: Int
    // Waiters are resumed only after the lock is released (see ParkingLot).
    private let state: ParkingLot<State>

    /// - Parameter capacity: at least 1.
    public init(capacity: Int) {
        precondition(capacity >= 1, "a BoundedQueue needs a capacity of at least 1")
        self.capacity = capacity
        state = ParkingLot(State(buffer: RingBuffer(capacity: capacity)))
    }

    /// Elements waiting in the buffer now.
    public var count: Int { state.withLock { $0.buffer.count } }
    /// The most elements the buffer ever held: never more than `capacity`.
    public var maxDepth: Int { state.withLock { $0.maxDepth } }
    /// Elements accepted so far.
    public var acceptedCount: Int { state.withLock { $0.sent } }
    public var isFinished: Bool { state.withLock { $0.finished } }
    /// Senders suspended because the queue is full.
    public var waitingSenderCount: Int { state.withLock { $0.senders.count } }

    /// Appends `element`, suspending while the queue is full.
    /// - Throws: `CancellationError` if the task is cancelled while waiting,
    ///   `SendError.closed` after `finish()` or `close()`.
    public func send(_ element: Element) async throws {
        let capacity = self.capacity
        let outcome = await state.wait(
            orCancelled: SendOutcome.cancelled,
            attempt: { s, wakeups in
                if s.finished { return .closed }
                if Task.isCancelled { return .cancelled }
                // Waiting senders go first, to keep FIFO order.
                if s.senders.isEmpty && Self.accept(element, &s, capacity: capacity, &wakeups) { return .accepted }
                return nil
            },
            park: { s, waiter, _ in s.senders.append(Sender(element: element, waiter: waiter)) },
            unpark: { s, id in
                guard let i = s.senders.firstIndex(where: { $0.waiter.id == id }) else { return nil }
                return s.senders.remove(at: i).waiter
            })
        switch outcome {
        case .accepted: return
        case .closed: throw SendError.closed
        case .cancelled: throw CancellationError()
        }
    }

    /// Appends `elements` in order: as many as fit at once under one lock (a
    /// waiting receiver takes its share straight away), then the rest one by
    /// one as `send` does, waiting for space. Throws as `send`; the elements
    /// before the failure were accepted.
    public func send(contentsOf elements: [Element]) async throws {
        let capacity = self.capacity
        let accepted: Int = try state.update { s, wakeups in
            if s.finished { throw SendError.closed }
            if Task.isCancelled { throw CancellationError() }
            // Waiting senders go first, to keep FIFO order.
            guard s.senders.isEmpty else { return 0 }
            var next = 0
            if !s.receivers.isEmpty, next < elements.count {
                let receiver = s.receivers.removeFirst()
                let share = Array(elements[next..<Swift.min(elements.count, next + Swift.min(receiver.max, capacity))])
                next += share.count
                s.sent += share.count
                s.maxDepth = Swift.max(s.maxDepth, share.count)
                wakeups.resume(receiver.waiter, returning: share)
            }
            while next < elements.count, s.buffer.count < capacity {
                s.buffer.append(elements[next])
                next += 1
                s.sent += 1
            }
            s.maxDepth = Swift.max(s.maxDepth, s.buffer.count)
            return next
        }
        for element in elements[accepted...] { try await send(element) }
    }

    /// The next element, or `nil` once the queue is finished and empty (or the task is cancelled).
    public func receive() async -> Element? {
        await receive(upTo: 1).first
    }

    /// Up to `max` elements, waiting for at least one; empty once the queue is
    /// finished and drained (or the task is cancelled). Takes a batch under one lock.
    public func receive(upTo max: Int) async -> [Element] {
        precondition(max >= 1)
        let capacity = self.capacity
        return await state.wait(
            orCancelled: [],
            attempt: { s, wakeups in
                if s.buffer.count > 0 { return Self.take(&s, max, capacity: capacity, &wakeups) }
                if s.finished { return [] }
                return nil
            },
            park: { s, waiter, _ in s.receivers.append(Receiver(max: max, waiter: waiter)) },
            unpark: { s, id in
                guard let i = s.receivers.firstIndex(where: { $0.waiter.id == id }) else { return nil }
                return s.receivers.remove(at: i).waiter
            })
    }

    /// Ends the input. Elements already buffered, and those of senders already
    /// waiting, are still delivered; later sends fail with `SendError.closed`.
    public func finish() {
        state.update { s, wakeups in
            s.finished = true
            // Receivers wait only on an empty buffer, and senders only on a full one.
            for receiver in s.receivers { wakeups.resume(receiver.waiter, returning: []) }
            s.receivers = []
        }
    }

    /// Ends both sides: buffered elements are dropped, waiting senders fail
    /// with `SendError.closed`, receivers get `nil`. For a consumer that gave up.
    public func close() {
        state.update { s, wakeups in
            s.finished = true
            s.buffer.removeAll()
            for sender in s.senders { wakeups.resume(sender.waiter, returning: .closed) }
            for receiver in s.receivers { wakeups.resume(receiver.waiter, returning: []) }
            s.senders = []
            s.receivers = []
        }
    }

    /// Accepts `element` if it can go without waiting: straight to a waiting
    /// receiver (receivers wait only on an empty buffer, so this keeps FIFO
    /// order), else into free buffer space. False when the buffer is full.
    private static func accept(
        _ element: Element, _ s: inout State, capacity: Int, _ wakeups: inout ParkingLot<State>.Wakeups
    ) -> Bool {
        if !s.receivers.isEmpty {
            s.sent += 1
            s.maxDepth = Swift.max(s.maxDepth, 1)
            let receiver = s.receivers.removeFirst()
            wakeups.resume(receiver.waiter, returning: [element])
            return true
        }
        guard s.buffer.count < capacity else { return false }
        s.buffer.append(element)
        s.sent += 1
        s.maxDepth = Swift.max(s.maxDepth, s.buffer.count)
        return true
    }

    /// Takes up to `max` buffered elements, then admits waiting senders into the freed space.
    private static func take(
        _ s: inout State, _ max: Int, capacity: Int, _ wakeups: inout ParkingLot<State>.Wakeups
    ) -> [Element] {
        var out: [Element] = []
        out.reserveCapacity(Swift.min(max, s.buffer.count))
        while out.count < max, let element = s.buffer.popFirst() { out.append(element) }
        while s.buffer.count < capacity, !s.senders.isEmpty {
            let sender = s.senders.removeFirst()
            s.buffer.append(sender.element)
            s.sent += 1
            s.maxDepth = Swift.max(s.maxDepth, s.buffer.count)
            wakeups.resume(sender.waiter, returning: .accepted)
        }
        return out
    }
}

extension BoundedQueue: AsyncSequence {
    /// Receives until the queue is finished and drained (or the task is cancelled).
    public struct AsyncIterator: AsyncIteratorProtocol {
        let queue: BoundedQueue
        public mutating func next() async -> Element? { await queue.receive() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(queue: self) }
}
