/// An actor that owns one Lua state and runs it on a thread of its own.
///
/// This is how a state is shared under Swift 6 strict concurrency: tasks
/// send closures to the worker, which runs them one at a time with the
/// state in hand (the state itself never leaves the worker).
///
///     let worker = try LuaWorker(LuaOptions(libraries: .sandboxed))
///     let n = try await worker.perform { lua in
///         try lua.call(try lua.load("return 6 * 7", name: "=answer"), returning: Int64.self)
///     }
public actor LuaWorker {
    private let executor: DedicatedThreadExecutor
    private let state: LuaState
    /// Stops the running call from any thread; see `LuaInterruptHandle`.
    public nonisolated let interruptHandle: LuaInterruptHandle

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    public init(_ options: LuaOptions = LuaOptions(), name: String = "lua") throws(LuaError) {
        state = try LuaState(options)
        interruptHandle = state.interruptHandle
        executor = DedicatedThreadExecutor(name: name)
    }

    deinit {
        // The state closes in its own deinit, right after this.
        executor.stop()
    }

    /// Runs `body` with the state, on the worker's thread.
    public func perform<Result: Sendable>(
        _ body: @Sendable (LuaState) throws -> Result
    ) throws -> Result {
        try body(state)
    }

    /// Stops the running call (it fails with `.interrupted`).
    public nonisolated func interrupt() {
        interruptHandle.interrupt()
    }

    /// Closes the state; later `perform` calls see a closed state and fail with `.misuse`.
    public func close() {
        state.close()
    }
}
