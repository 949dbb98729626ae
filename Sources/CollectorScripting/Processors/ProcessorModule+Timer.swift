import LuaRuntime

extension ProcessorModule {
    /// A module's timer: `every = "1m"` (a duration, or seconds) and
    /// `on_timer(emit, now)`, which go together.
    struct Timer {
        var every: Duration
        var onTimer: LuaFunction

        static let expected = "a duration above zero (\"250ms\", \"10s\", \"1m\", \"1h\" or seconds)"

        /// The timer of `module`, nil when it has neither field. One field
        /// without the other, or an `every` that is not a duration above
        /// zero, throws; `label` (the file) starts the message.
        static func read(_ module: LuaTable, in lua: LuaState, named label: String) throws -> Timer? {
            let every = try lua.get(module, "every")
            let onTimer = try ProcessorModule.hook(module, "on_timer", in: lua, named: label)
            switch (every.isNil, onTimer) {
            case (true, nil):
                return nil
            case (true, .some):
                throw LuaError(.runtime, "\(label): the module has on_timer but no 'every' to say how often it runs (every = \"1m\")")
            case (false, nil):
                throw LuaError(.runtime, "\(label): the module has 'every' but no on_timer(emit, now) function to run")
            case (false, let onTimer?):
                guard let interval = Units.duration(every), interval > .zero else {
                    throw LuaError(.runtime, "\(label): the module's 'every' must be \(expected), got \(describe(every))")
                }
                return Timer(every: interval, onTimer: onTimer)
            }
        }

        /// A value as a message quotes it: a string in quotes, a number as written, else its type.
        static func describe(_ value: LuaValue) -> String {
            switch value {
            case .string(let text): return "\"\(text)\""
            case .integer(let number): return "\(number)"
            case .number(let number): return "\(number)"
            default: return value.typeName
            }
        }
    }
}
