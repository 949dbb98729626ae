import CollectorValues
import Collectors

/// An event emitter that records every event. (Seed: `MockEventEmitter`.)
///
/// Subscribers are called in emission order, one event at a time, on a
/// delivery task of the mock's own; `drain()` waits until they are done.
/// A subscriber that throws is counted in `handlerFailures`.
///
/// Failures and delays of delivery can be injected, to show that the code
/// under test does not depend on its events being delivered, or delivered
/// soon. `emit` itself never fails and never waits (the `EventEmitter`
/// contract): every event is recorded in `events` whatever happens to its
/// delivery.
///
/// - `deliveryFailures` picks emits (counted from 1, every `emit` call) whose
///   delivery fails: no subscriber gets the event, which is recorded in
///   `failedDeliveries` (as a bus that lost it would).
/// - `deliveryDelay` is waited before each event reaches the subscribers (a
///   slow subscriber, or with a gate one that is stuck): deliveries queue
///   up behind it, in order.
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
        var emits = 0
        var failedDeliveries: [SystemEvent] = []
    }

    public let deliveryFailures: FailurePlan
    public let deliveryDelay: MockDelay
    private let state = Locked(State())
    private let waiters = Waiters()

    public init(deliveryFailures: FailurePlan = .none, deliveryDelay: MockDelay = .none) {
        self.deliveryFailures = deliveryFailures
        self.deliveryDelay = deliveryDelay
    }

    /// Every event emitted, in order.
    public var events: [SystemEvent] { state.withLock { $0.events } }
    public func events(of type: EventType) -> [SystemEvent] { events.filter { $0.type == type } }
    public var subscriptionCount: Int { state.withLock { $0.subscriptions.count } }
    public var handlerFailures: Int { state.withLock { $0.handlerFailures } }
    /// The events whose delivery failed (per `deliveryFailures`), in order; no subscriber got them.
    public var failedDeliveries: [SystemEvent] { state.withLock { $0.failedDeliveries } }

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
            s.emits += 1
            if deliveryFailures.error(forCall: s.emits) != nil {
                s.failedDeliveries.append(event)
                return
            }
            let handlers = s.subscriptions.sorted { $0.key < $1.key }.map(\.value)
                .filter { $0.type == nil || $0.type == event.type }.map(\.handler)
            guard !handlers.isEmpty else { return }
            let previous = s.delivery
            s.delivery = Task { [state, deliveryDelay] in
                await previous?.value
                do {
                    try await deliveryDelay.wait()
                } catch {
                    // Only cancellation ends a delay early; nobody cancels this task, but
                    // an event that was not delivered is still one whose delivery failed.
                    state.withLock { $0.failedDeliveries.append(event) }
                    return
                }
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

    /// Forgets the recorded events and failed deliveries (subscriptions and
    /// the count of emits for `deliveryFailures` stay).
    public func reset() {
        state.withLock { s in
            s.events = []
            s.failedDeliveries = []
        }
    }

    private func add(_ subscription: Subscription) -> SubscriptionToken {
        state.withLock { s in
            s.nextID += 1
            s.subscriptions[s.nextID] = subscription
            return SubscriptionToken(id: s.nextID)
        }
    }
}
