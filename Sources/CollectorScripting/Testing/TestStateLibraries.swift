import Collectors
import LuaRuntime

/// The libraries a processor's state has besides the sandbox (`json`, `time`,
/// `log`, `metrics`), for the states tests run in: a module that uses them must
/// load and pass its tests there as it runs in a pipeline.
enum TestStateLibraries {
    /// `log` writes to `log` (the processor's sink when a pipeline loads it);
    /// `metrics` is a registry of the tests' own, so test records count in no
    /// real series; `time.now()` reads the returned simulated clock, which
    /// the tests' `advance` moves.
    @discardableResult
    static func install(in lua: LuaState, processor name: String?, log: LogSink?) throws -> SimulatedNow {
        let now = SimulatedNow()
        try JSONLibrary.install(in: lua)
        try TimeLibrary.install(in: lua, clock: .simulated(now))
        try LogLibrary.install(in: lua, sink: log ?? LogSink(), origin: LogOrigin(processor: name))
        try MetricsLibrary.install(in: lua, registry: MetricsRegistry())
        return now
    }
}
