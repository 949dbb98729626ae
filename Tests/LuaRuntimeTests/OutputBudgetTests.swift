import Testing

@testable import LuaRuntime

/// In the sandbox `warn` (like `print`) writes at most 64 KB per call; the
/// rest is dropped, and the next call has its own budget.
@Suite("Output budget of sandboxed calls")
struct OutputBudgetTests {
    @Test func warningsOverTheBudgetAreDroppedAndTheNextCallHasItsOwn() throws {
        let lua = try LuaState(LuaOptions(libraries: .sandboxed, instructionLimit: 10_000_000))
        var received: [String] = []
        lua.warningHandler = { received.append($0) }
        try lua.run("warn('@on') for i = 1, 10000 do warn(string.rep('w', 99)) end")
        let bytes = received.reduce(0) { $0 + $1.utf8.count }
        #expect(bytes <= 65_536 && bytes > 60_000, "\(bytes) bytes")
        received = []
        try lua.run("warn('again')")
        #expect(received == ["again"])
    }

    @Test func theFullProfileDoesNotBoundWarnings() throws {
        let lua = try LuaState(LuaOptions(libraries: .full))
        var count = 0
        lua.warningHandler = { _ in count += 1 }
        try lua.run("warn('@on') for i = 1, 1000 do warn(string.rep('w', 99)) end")
        #expect(count == 1000)
    }
}
