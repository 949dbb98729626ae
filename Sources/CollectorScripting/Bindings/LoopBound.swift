import LuaRuntime

/// A value that belongs to the script's thread (its Lua state, a function
/// of it), carried by engine tasks to the jobs of its `ScriptLoop`.
///
/// Every read checks that it happens inside one of the loop's jobs, on the
/// thread running it; anywhere else it throws `WrongThread` instead of
/// racing with the thread that owns the state.
struct LoopBound<Value>: @unchecked Sendable {
    // @unchecked: `stored` is only handed out after the check below.
    private let stored: Value
    let loop: ScriptLoop

    /// A value of the script's state used outside one of its loop's jobs.
    struct WrongThread: Error, CustomStringConvertible {
        var description: String {
            "the script's Lua state was used outside its own thread (only jobs of its loop may use it)"
        }
    }

    init(_ value: Value, loop: ScriptLoop) {
        stored = value
        self.loop = loop
    }

    /// The value, on the thread running the loop's job.
    var value: Value {
        get throws(WrongThread) {
            guard loop.inJob else { throw WrongThread() }
            return stored
        }
    }
}

/// The script's state, not kept alive by what refers to it: the state owns
/// its bindings, which own the handlers and processors that refer to it.
struct ScriptStateReference {
    unowned let lua: LuaState
}
