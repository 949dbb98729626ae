import LuaRuntime
import Synchronization

/// `os.exit([status])` in a script or the REPL: the script (or session)
/// ends, running pipelines stop gracefully, drain and print their
/// summaries, then the process exits with that status. (Lua's own
/// `os.exit` ends the process at once, losing what was collected but not
/// yet stored.)
final class ScriptExit {
    /// The status asked for, once `os.exit` was called.
    private(set) var status: Int32?
    /// Called when `os.exit` is (from a function a pipeline runs, the script
    /// goes on: this stops the pipelines so that it can end).
    var onExit: () -> Void = {}

    func install(in lua: LuaState) throws {
        let exit = try lua.function("os.exit") { [self] call in
            var status: Int32 = 0
            if call.argumentCount >= 1 {
                switch call.value(1) {
                case .nil: break
                case .boolean(let success): status = success ? 0 : 1
                case .integer(let n): status = Int32(truncatingIfNeeded: n)
                default: throw LuaCallError("os.exit: the status is true, false or an integer")
                }
            }
            self.status = status
            onExit()
            // Called from a function the engine runs (at the prompt, or during a
            // wait), it must still end the session: seen as a Ctrl-C, it ends the
            // wait or the prompt's read, and the REPL then sees the status.
            ReplSignals.raise()
            // Unwinds the line; the REPL then leaves instead of showing it.
            throw LuaCallError("os.exit: ending once the running pipelines have drained")
        }
        guard case .table(let os) = try lua.global("os") else { return }
        try lua.set(os, "exit", exit)
    }
}
