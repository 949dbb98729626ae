import CollectorValues

/// Which standard libraries a state opens.
public enum LuaLibraries: Sendable {
    /// Everything, as the `lua` interpreter has it: for pipeline scripts the user runs.
    case full
    /// For processors: no `io`, no `debug`; `os` has only `clock`, `time`
    /// and `date`; `load` takes text only; no `dofile`, `loadfile`,
    /// `string.dump` or `package.loadlib`; `require` loads regular Lua files
    /// from the module path only (fixed by the engine: `package` is
    /// read-only; names cannot contain `..`); `setmetatable` never arms a
    /// finalizer (`__gc` is ignored, with a warning); `print` and `warn`
    /// write at most 64 KB per call;
    /// `collectgarbage` can count and collect, not stop or retune the collector.
    case sandboxed
}

/// How a state is made, and the limits it runs under.
public struct LuaOptions: Sendable {
    public var libraries: LuaLibraries
    /// Bytes the state may allocate in all; `nil` for no cap.
    public var memoryLimit: Int?
    /// Lua VM instructions one call may run (counted in steps of `hookInterval`); `nil` for no limit.
    public var instructionLimit: Int?
    /// Wall time one call may run; `nil` for no limit.
    public var timeLimit: Duration?
    /// `require` search templates, such as `"processors/?.lua"`.
    public var modulePaths: [String]
    /// What an unmarked empty table becomes in Swift.
    public var emptyTable: EmptyTableKind
    /// How deeply nested data may be, both ways (`DataNesting.maxDepth`, as
    /// for JSON read and written natively, unless set otherwise).
    public var maxDataDepth: Int
    /// Instructions between two checks of the budget and of `interrupt()`.
    public var hookInterval: Int

    public init(
        libraries: LuaLibraries = .full,
        memoryLimit: Int? = nil,
        instructionLimit: Int? = nil,
        timeLimit: Duration? = nil,
        modulePaths: [String] = [],
        emptyTable: EmptyTableKind = .object,
        maxDataDepth: Int = DataNesting.maxDepth,
        hookInterval: Int = 1000
    ) {
        self.libraries = libraries
        self.memoryLimit = memoryLimit
        self.instructionLimit = instructionLimit
        self.timeLimit = timeLimit
        self.modulePaths = modulePaths
        self.emptyTable = emptyTable
        self.maxDataDepth = maxDataDepth
        self.hookInterval = hookInterval
    }

    /// The sandbox with a memory cap and a per-call budget: a processor's defaults.
    public static func sandboxed(
        memoryLimit: Int = 64 << 20, instructionLimit: Int = 10_000_000, timeLimit: Duration = .seconds(1)
    ) -> LuaOptions {
        LuaOptions(
            libraries: .sandboxed, memoryLimit: memoryLimit, instructionLimit: instructionLimit,
            timeLimit: timeLimit)
    }
}
