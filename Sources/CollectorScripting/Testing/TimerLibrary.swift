import CollectorValues
import LuaRuntime

/// `advance(processor, duration)` for test files: moves a processor module's
/// simulated clock and runs its `on_timer(emit, now)` at each time the timer
/// was due on the way (see `SimulatedTimer`); returns what it emitted.
/// `tick(processor, now)`: one tick at `now` (seconds since the epoch), as a
/// pipeline's timer ran it; the module's clock is `now` from then on (what
/// a recorded file replays: `GoldenTestFile`).
///
/// Each module has a clock of its own, starting at 0 the first time it is
/// advanced, kept for the whole file: `require` gives every test the same
/// module, with the state it keeps, so its time goes on too.
enum TimerLibrary {
    /// `now`: what `time.now()` reads, set to each due time as `on_timer`
    /// runs, then to the module's time after the step.
    static func functions(in lua: LuaState, now: SimulatedNow) throws -> (advance: LuaFunction, tick: LuaFunction) {
        let clocks = Clocks(rawequal: try lua.global("rawequal").functionValue)
        return (try advance(in: lua, now: now, clocks: clocks), try tick(in: lua, now: now, clocks: clocks))
    }

    private static func tick(in lua: LuaState, now: SimulatedNow, clocks: Clocks) throws -> LuaFunction {
        try lua.function("tick") { [unowned lua] call in
            let target = call.value(1)
            let problem = "tick: a processor module with a timer (every and on_timer) expected"
            guard case .table(let module) = target else { throw LuaCallError("\(problem), got \(target.typeName)") }
            let timer: ProcessorModule.Timer
            do {
                guard let read = try ProcessorModule.Timer.read(module, in: lua, named: "tick") else {
                    throw LuaCallError("\(problem), got a module without every and on_timer")
                }
                timer = read
            } catch let error as LuaError {
                throw LuaCallError(error.message)
            }
            // Nanoseconds in an Int64 reach past the year 2200; the clock keeps those.
            guard let seconds = call.value(2).numberValue, seconds.isFinite, seconds >= 0, seconds < 9e9 else {
                throw LuaCallError(
                    "tick: the time of the tick must be seconds since the epoch (a number from 0 to 9e9), got \(ProcessorModule.Timer.describe(call.value(2)))")
            }
            try clocks.set(.nanoseconds(Int64((seconds * 1e9).rounded())), of: target, in: lua)
            now.seconds = seconds
            let emit = try EmitFunction(in: lua)
            try lua.call(timer.onTimer, emit.function, seconds)
            try call.push(data: .array(emit.values))
            return 1
        }
    }

    private static func advance(in lua: LuaState, now: SimulatedNow, clocks: Clocks) throws -> LuaFunction {
        try lua.function("advance") { [unowned lua] call in
            let target = call.value(1)
            let problem = "advance: a processor module with a timer (every and on_timer) expected"
            guard case .table(let module) = target else { throw LuaCallError("\(problem), got \(target.typeName)") }
            let timer: ProcessorModule.Timer
            do {
                guard let read = try ProcessorModule.Timer.read(module, in: lua, named: "advance") else {
                    throw LuaCallError("\(problem), got a module without every and on_timer")
                }
                timer = read
            } catch let error as LuaError {
                throw LuaCallError(error.message)
            }
            let step = call.value(2)
            guard let duration = Units.duration(step) else {
                throw LuaCallError(
                    "advance: the time must be a duration (\"250ms\", \"10s\", \"1m\", \"1h\" or seconds), got \(ProcessorModule.Timer.describe(step))")
            }
            var clock = SimulatedTimer(every: timer.every, elapsed: try clocks.elapsed(of: target, in: lua))
            let times: [Double]
            switch clock.advance(by: duration) {
            case .success(let due): times = due
            case .failure(let tooMany): throw LuaCallError("advance: \(tooMany.message)")
            }
            // Time has passed even if a call fails below, as it would have in a pipeline.
            try clocks.set(clock.elapsed, of: target, in: lua)
            defer { now.seconds = Double(clock.elapsed.components.seconds) + Double(clock.elapsed.components.attoseconds) / 1e18 }
            let emit = try EmitFunction(in: lua)
            var emitted: [DataValue] = []
            for due in times {
                emit.reset()
                now.seconds = due
                try lua.call(timer.onTimer, emit.function, due)
                emitted += emit.values
            }
            try call.push(data: .array(emitted))
            return 1
        }
    }

    /// Each module's simulated time, found by identity (`rawequal`): a table
    /// has no name, and its fields are the module's own.
    private final class Clocks {
        private let rawequal: LuaFunction?
        private var known: [(module: LuaValue, elapsed: Duration)] = []

        init(rawequal: LuaFunction?) { self.rawequal = rawequal }

        func elapsed(of module: LuaValue, in lua: LuaState) throws -> Duration {
            try index(of: module, in: lua).map { known[$0].elapsed } ?? .zero
        }

        func set(_ elapsed: Duration, of module: LuaValue, in lua: LuaState) throws {
            if let index = try index(of: module, in: lua) {
                known[index].elapsed = elapsed
            } else {
                known.append((module, elapsed))
            }
        }

        private func index(of module: LuaValue, in lua: LuaState) throws -> Int? {
            guard let rawequal else { throw LuaCallError("advance: rawequal is missing from the test state") }
            return try known.firstIndex { entry in try lua.call(rawequal, entry.module, module).first?.booleanValue == true }
        }
    }
}
