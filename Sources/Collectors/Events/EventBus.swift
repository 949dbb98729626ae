/// The engine's event emitter: every subscriber gets its own bounded queue
/// and its own delivery task.
///
/// - A subscriber that throws is counted (`failed`) and keeps its subscription.
/// - A slow subscriber delays only itself: `emit` never waits.
/// - Overflow: when a subscriber's queue already holds `bufferSize` events,
///   the **oldest** waiting event is dropped for the new one and counted
///   (`dropped`); monitoring wants the latest state more than old history.
/// - Each subscriber sees events in the order they were emitted.
public final class EventBus: EventEmitter {
    /// What one subscriber received so far.
    public struct Statistics: Sendable, Hashable {
        public var delivered = 0
        public var failed = 0
        public var dropped = 0
    }

    private struct Subscriber {
        var filter: EventType?
        var continuation: AsyncStream<SystemEvent>.Continuation
        var task: Task<Void, Never>
        var statistics: Locked<Statistics>
        /// Events queued or being handled.
        var pending: PendingCount
    }

    private struct State {
        var subscribers: [UInt64: Subscriber] = [:]
        var nextID: UInt64 = 0
        var closed = false
    }

    public static let defaultBufferSize = 1024
    public let bufferSize: Int
    private let state = Locked(State())

    /// - Parameter bufferSize: events each subscriber may have waiting (at least 1).
    public init(bufferSize: Int = EventBus.defaultBufferSize) {
        self.bufferSize = max(1, bufferSize)
    }

    deinit {
        // A bus dropped without `close()`: each delivery task would wait on its
        // stream for ever, keeping its handler (and what that holds) alive.
        for subscriber in state.withLock({ Array($0.subscribers.values) }) {
            subscriber.continuation.finish()
            subscriber.task.cancel()
        }
    }

    @discardableResult
    public func subscribe(to type: EventType, _ handler: @escaping EventHandler) -> SubscriptionToken {
        add(filter: type, handler)
    }

    @discardableResult
    public func subscribeAll(_ handler: @escaping EventHandler) -> SubscriptionToken {
        add(filter: nil, handler)
    }

    public func unsubscribe(_ token: SubscriptionToken) {
        let removed = state.withLock { $0.subscribers.removeValue(forKey: token.id) }
        // Events already queued are not delivered after unsubscribing.
        removed?.continuation.finish()
        removed?.task.cancel()
    }

    public func emit(_ event: SystemEvent) {
        // Events leave the engine (handlers print them): no secret goes with them.
        var event = event
        event.data = SecretRedactor.shared.redact(event.data)
        state.withLock { s in
            for subscriber in s.subscribers.values where subscriber.filter == nil || subscriber.filter == event.type {
                switch subscriber.continuation.yield(event) {
                case .enqueued: subscriber.pending.increment()
                case .dropped: subscriber.statistics.withLock { $0.dropped += 1 }  // one in, one out
                case .terminated: break
                @unknown default: break
                }
            }
        }
    }

    /// The statistics of a subscription; `nil` after unsubscribing.
    public func statistics(for token: SubscriptionToken) -> Statistics? {
        state.withLock { $0.subscribers[token.id]?.statistics.withLock { $0 } }
    }

    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Stops accepting events, delivers what is queued, and returns when every
    /// subscriber has handled its last event. Later emits are ignored.
    public func close() async {
        let subscribers = state.withLock { s -> [Subscriber] in
            s.closed = true
            return Array(s.subscribers.values)
        }
        for subscriber in subscribers { subscriber.continuation.finish() }
        for subscriber in subscribers { await subscriber.task.value }
    }

    /// Returns when every subscriber has handled every event emitted so far
    /// (events emitted meanwhile may be waited for too), or when the calling
    /// task is cancelled. The bus stays open.
    public func drain() async {
        let subscribers = state.withLock { Array($0.subscribers.values) }
        for subscriber in subscribers {
            // Woken by the subscriber's delivery task when its queue empties or it ends.
            await subscriber.pending.waitUntilIdle()
        }
    }

    private func add(filter: EventType?, _ handler: @escaping EventHandler) -> SubscriptionToken {
        let (stream, continuation) = AsyncStream<SystemEvent>.makeStream(bufferingPolicy: .bufferingNewest(bufferSize))
        let statistics = Locked(Statistics())
        let pending = PendingCount()
        let task = Task {
            for await event in stream {
                do {
                    try await handler(event)
                    statistics.withLock { $0.delivered += 1 }
                } catch {
                    statistics.withLock { $0.failed += 1 }
                }
                pending.decrement()
            }
            pending.end()
        }
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            if s.closed {
                continuation.finish()
            } else {
                s.subscribers[s.nextID] = Subscriber(
                    filter: filter, continuation: continuation, task: task, statistics: statistics, pending: pending)
            }
            return s.nextID
        }
        return SubscriptionToken(id: id)
    }
}
