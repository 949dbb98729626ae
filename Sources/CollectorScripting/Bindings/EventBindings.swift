import CollectorValues
import Collectors
import LuaRuntime

/// `on(type, handler)`: calls `handler(event)` for each engine event of that
/// type (`"*"` for all) while pipelines run, on the script's thread, in
/// order. `event` is `{ type =, source =, time =, data = { ... } }`. A
/// handler that fails is logged and stays subscribed. Returns a function that
/// ends the subscription.
enum EventBindings {
    static func install(in lua: LuaState, bindings: ScriptBindings) throws {
        try lua.register("on") { [unowned lua] call in
            let type = try call.string(1)
            let handler = try call.function(2)
            guard !type.isEmpty else { throw LuaCallError("on: the event type must not be empty (\"*\" means every event)") }
            let state = ScriptStateHandle(lua: lua)
            let function = SendableFunction(function: handler)
            let loop = bindings.loop
            let log = bindings.log
            let deliver: EventHandler = { event in
                try await loop.perform {
                    do {
                        try state.lua.call(function.function, Self.table(for: event))
                    } catch {
                        log.log(.warn, "event handler for '\(type)' failed: \(error)", fields: [("event", event.type.rawValue)])
                        throw error
                    }
                }
            }
            let token = type == "*"
                ? bindings.events.subscribeAll(deliver) : bindings.events.subscribe(to: EventType(type), deliver)
            let events = bindings.events
            try call.push(try lua.function("unsubscribe") { _ in
                events.unsubscribe(token)
                return 0
            })
            return 1
        }
    }

    static func table(for event: SystemEvent) -> DataValue {
        [
            "type": .string(event.type.rawValue), "source": .string(event.source),
            "time": .double(event.timestamp.timeIntervalSince1970), "data": .object(event.data),
        ]
    }
}

/// A function of the script's state, carried to a `ScriptLoop` job.
struct SendableFunction: @unchecked Sendable {
    // @unchecked: called only inside ScriptLoop jobs, on the thread that owns the state.
    let function: LuaFunction
}
