import CollectorValues

/// Receives events; may throw or be slow without affecting other subscribers.
public typealias EventHandler = @Sendable (SystemEvent) async throws -> Void

/// Identifies one subscription, for `unsubscribe`.
public struct SubscriptionToken: Hashable, Sendable {
    public let id: UInt64
    public init(id: UInt64) { self.id = id }
}

/// Publishes `SystemEvent`s to subscribers. (Seed: the event emitter of the mocks.)
///
/// `emit` never suspends and never blocks: components emit from their data
/// path, so delivery must happen elsewhere (see `EventBus`).
public protocol EventEmitter: Sendable {
    /// Subscribes to one event type.
    @discardableResult
    func subscribe(to type: EventType, _ handler: @escaping EventHandler) -> SubscriptionToken
    /// Subscribes to every event.
    @discardableResult
    func subscribeAll(_ handler: @escaping EventHandler) -> SubscriptionToken
    /// Ends a subscription; unknown tokens are ignored.
    func unsubscribe(_ token: SubscriptionToken)
    func emit(_ event: SystemEvent)
}

extension EventEmitter {
    /// Emits an event built from its parts.
    public func emit(_ type: EventType, source: String, data: DataObject = DataObject()) {
        emit(SystemEvent(type, source: source, data: data))
    }
}
