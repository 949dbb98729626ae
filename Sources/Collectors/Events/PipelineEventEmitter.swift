import CollectorValues

/// Forwards to another emitter, adding the pipeline's name to each event's
/// data (`pipeline`) unless it has one: a subscriber to a bus shared by
/// several pipelines can tell whose event it is. `Pipeline` wraps the
/// emitter it is given in one.
public struct PipelineEventEmitter: EventEmitter {
    public let base: any EventEmitter
    public let pipeline: String

    public init(base: any EventEmitter, pipeline: String) {
        self.base = base
        self.pipeline = pipeline
    }

    @discardableResult
    public func subscribe(to type: EventType, _ handler: @escaping EventHandler) -> SubscriptionToken {
        base.subscribe(to: type, handler)
    }

    @discardableResult
    public func subscribeAll(_ handler: @escaping EventHandler) -> SubscriptionToken {
        base.subscribeAll(handler)
    }

    public func unsubscribe(_ token: SubscriptionToken) {
        base.unsubscribe(token)
    }

    public func emit(_ event: SystemEvent) {
        guard event.data["pipeline"] == nil else { return base.emit(event) }
        var event = event
        event.data["pipeline"] = .string(pipeline)
        base.emit(event)
    }
}
