import CollectorValues
import Collectors

/// An event emitter that records every event. (Seed: `MockEventEmitter`.)
///
/// Subscribers are called in emission order, one event at a time, on a
/// delivery task of the mock's own; `drain()` waits until they are done.
/// A subscriber that throws is counted in `handlerFailures`.
public final class MockEventEmitter: EventEmitter {
    private struct Subscription {
        var type: EventType?
        var handler: EventHandler
    }

    private struct State {
        var events: [SystemEvent] = []
        var subscriptions: [UInt64: Subscription] = [:]
        var nextID: UInt64 = 0
        var delivery: Task<Void, Never>?
        var handlerFailures = 0
    }

    private let state = Locked(State())
    private let waiters = Waiters()

    public init() {}

    /// Every event emitted, in order.
    public var events: [SystemEvent] { state.withLock { $0.events } }
    public func events(of type: EventType) -> [SystemEvent] { events.filter { $0.type == type } }
    public var subscriptionCount: Int { state.withLock { $0.subscriptions.count } }
    public var handlerFailures: Int { state.withLock { $0.handlerFailures } }

    @discardableResult
    public func subscribe(to type: EventType, _ handler: @escaping EventHandler) -> SubscriptionToken {
        add(Subscription(type: type, handler: handler))
    }

    @discardableResult
    public func subscribeAll(_ handler: @escaping EventHandler) -> SubscriptionToken {
        add(Subscription(type: nil, handler: handler))
    }

    public func unsubscribe(_ token: SubscriptionToken) {
        _ = state.withLock { $0.subscriptions.removeValue(forKey: token.id) }
    }

    public func emit(_ event: SystemEvent) {
        state.withLock { s in
            s.events.append(event)
            let handlers = s.subscriptions.sorted { $0.key < $1.key }.map(\.value)
                .filter { $0.type == nil || $0.type == event.type }.map(\.handler)
            guard !handlers.isEmpty else { return }
            let previous = s.delivery
            s.delivery = Task { [state] in
                await previous?.value
                for handler in handlers {
                    do { try await handler(event) } catch { state.withLock { $0.handlerFailures += 1 } }
                }
            }
        }
        waiters.check()
    }

    /// Returns once `count` events of `type` have been emitted in all: "the
    /// code under test got this far", without waiting on time. Returns early
    /// if the waiting task is cancelled.
    public func waitForEvents(of type: EventType, count: Int) async {
        await waiters.wait { [state] in state.withLock { s in s.events.count(where: { $0.type == type }) } >= count }
    }

    /// Waits until subscribers have handled every event emitted so far.
    public func drain() async {
        await state.withLock { $0.delivery }?.value
    }

    /// Forgets the recorded events (subscriptions stay).
    public func reset() {
        state.withLock { $0.events = [] }
    }

    private func add(_ subscription: Subscription) -> SubscriptionToken {
        state.withLock { s in
            s.nextID += 1
            s.subscriptions[s.nextID] = subscription
            return SubscriptionToken(id: s.nextID)
        }
    }
}
