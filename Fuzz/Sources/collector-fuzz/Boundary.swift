import CollectorValues
import LuaRuntime

/// The Lua state every input crosses, set up as a processor's is (sandbox,
/// memory cap, instruction budget), and the identity function values are
/// passed through.
final class Boundary {
    // libFuzzer runs inputs one after another on one thread.
    nonisolated(unsafe) static let shared = Boundary()

    let state: LuaState
    let identity: LuaFunction
    /// The depth both the reader and the state accept, so that they must agree.
    let maxDepth: Int
    private var inputs = 0

    private init() {
        do {
            state = try LuaState(.sandboxed())
            identity = try state.load("local value = ... return value", name: "=identity")
        } catch {
            fatalError("the fuzz target's Lua state did not start: \(error)")
        }
        maxDepth = state.options.maxDataDepth
    }

    /// Frees what the inputs left behind, now and then: memory stays flat over a long run.
    func tidy() {
        inputs += 1
        if inputs % 256 == 0 { state.collectGarbage() }
    }
}
