import CollectorValues
import Collectors
import LuaRuntime

/// `on(type, handler [, options])`: calls `handler(event)` for each engine
/// event of that type (`"*"` for all) while pipelines run, on the script's
/// thread, in order. `event` is `{ type =, source =, time =, data = { ... } }`.
/// Each call has a budget, as a processing function of the script has
/// (`options.instructions`, default 1e7; `options.timeout`, default 1 s): a
/// handler that fails or exceeds it is logged and stays subscribed, and the
/// run goes on. Returns a function that ends the subscription.
enum EventBindings {
    static let options = ["instructions", "timeout"]

    static func install(in lua: LuaState, bindings: ScriptBindings) throws {
        try lua.register("on") { [unowned lua] call in
            let type = try call.string(1)
            let handler = try call.function(2)
            guard !type.isEmpty else { throw LuaCallError("on: the event type must not be empty (\"*\" means every event)") }
            let table: LuaTable? = call.argumentCount >= 3 && !call.value(3).isNil ? try call.table(3) : nil
            let options = try OptionReader("on", table: table, allowed: Self.options, in: lua)
            let instructions = try options.integer("instructions") ?? 10_000_000
            let timeout = try options.duration("timeout") ?? .seconds(1)
            guard instructions > 0 else { throw LuaCallError("on: option 'instructions' must be above 0") }
            guard timeout > .zero else { throw LuaCallError("on: option 'timeout' must be above 0") }
            let loop = bindings.loop
            let bound = LoopBound((state: ScriptStateReference(lua: lua), handler: handler), loop: loop)
            let log = bindings.log
            let deliver: EventHandler = { event in
                try await loop.perform {
                    do {
                        let (state, handler) = try bound.value
                        let lua = state.lua
                        try lua.withCallLimits(instructions: instructions, time: timeout) {
                            _ = try lua.call(handler, Self.table(for: event))
                        }
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
