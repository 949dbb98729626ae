import CollectorValues
import Collectors
import Foundation
import LuaRuntime

/// How a Lua processor runs: its sandbox limits and how many states run it.
public struct LuaProcessorOptions: Sendable {
    /// Bytes each of the processor's Lua states may allocate.
    public var memoryLimit: Int
    /// VM instructions one record may take (counted in steps of 1,000).
    public var instructionLimit: Int
    /// Wall time one record may take.
    public var timeLimit: Duration
    /// How many Lua states (each on its own thread) process records in
    /// parallel; by default one per core. A module that keeps state across
    /// records opts out with `parallel = false` (one state), or the script
    /// sets 1.
    public var parallelism: Int
    /// `require` search templates for the processor's modules.
    public var modulePaths: [String]
    /// Where the processor's `log.*` lines go (nil: the default sink, standard error at `info`).
    public var log: LogSink?
    /// Where the processor's `metrics.*` families live (nil: the processor has no `metrics`).
    public var metrics: MetricsRegistry?
    /// When a reloaded version is rolled back after it was swapped in.
    public var reloadPolicy: ReloadPolicy
    /// What `init(ctx)` (and `migrate`) receive as `ctx.config`: plain data, nil for none.
    public var config: DataValue?

    public init(
        memoryLimit: Int = 64 << 20, instructionLimit: Int = 10_000_000, timeLimit: Duration = .seconds(1),
        parallelism: Int = ProcessInfo.processInfo.activeProcessorCount, modulePaths: [String] = [],
        reloadPolicy: ReloadPolicy = ReloadPolicy()
    ) {
        self.memoryLimit = memoryLimit
        self.instructionLimit = instructionLimit
        self.timeLimit = timeLimit
        self.parallelism = max(1, parallelism)
        self.modulePaths = modulePaths
        self.reloadPolicy = reloadPolicy
    }

    /// What `processor.file` accepts for `memory`: a state needs some room
    /// to start, and 0 would mean no cap at all.
    static let memoryRange = (256 << 10)...Int.max
    /// What `processor.file` accepts for `instructions` (0 would mean no limit).
    static let instructionRange = 1...Int.max
    /// What `processor.file` accepts for `parallel`: each state is a thread.
    static let parallelismRange = 1...1024

    var luaOptions: LuaOptions {
        LuaOptions(
            libraries: .sandboxed, memoryLimit: memoryLimit, instructionLimit: instructionLimit,
            timeLimit: timeLimit, modulePaths: modulePaths)
    }
}
