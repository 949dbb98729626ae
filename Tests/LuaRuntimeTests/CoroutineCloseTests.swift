import Testing

@testable import LuaRuntime

/// Lua 5.4.4 (the system's) overflows the C stack on a long chain of
/// coroutines whose __close handlers close one another (fixed in 5.4.5):
/// the chain is refused with an error instead of crashing the process.
@Suite("coroutine.close nesting")
struct CoroutineCloseTests {
    static func chain(_ length: Int) -> String {
        """
        local coro = false
        local closed = 0
        for i = 1, \(length) do
          local previous = coro
          coro = coroutine.create(function()
            local cc <close> = setmetatable({}, { __close = function()
              closed = closed + 1
              if previous then
                local ok, err = coroutine.close(previous)
                if not ok then error(err, 0) end
              end
            end })
            coroutine.yield()
          end)
          coroutine.resume(coro)
        end
        local ok, err = coroutine.close(coro)
        return ok, err, closed
        """
    }

    @Test(arguments: [LuaLibraries.sandboxed, .full])
    func aDeepChainOfClosesIsAnErrorNotACrash(_ libraries: LuaLibraries) throws {
        let lua = try LuaState(LuaOptions(libraries: libraries, instructionLimit: 100_000_000))
        let results = try lua.run(Self.chain(40_000))
        #expect(results[0].booleanValue == false)
        #expect(results[1].stringValue?.contains("coroutines closing coroutines nested too deeply") == true, "\(results)")
        #expect((results[2].integerValue ?? 0) < 40_000)
        #expect(try lua.run("return 1 + 1").first?.integerValue == 2)
    }

    @Test func aShortChainClosesEveryCoroutine() throws {
        let lua = try LuaState(LuaOptions(libraries: .sandboxed))
        let results = try lua.run(Self.chain(50))
        #expect(results[0].booleanValue == true)
        #expect(results[2].integerValue == 50)
    }
}
