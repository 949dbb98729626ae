import Testing

@testable import LuaRuntime

@Suite("Library profiles")
struct SandboxTests {
    @Test(arguments: [
        "io", "debug", "dofile", "loadfile", "os.execute", "os.exit", "os.getenv", "os.remove",
        "string.dump", "package.loadlib", "package.searchpath",
    ])
    func theSandboxLacks(_ name: String) throws {
        let lua = try LuaState(LuaOptions(libraries: .sandboxed))
        #expect(try lua.run("return \(name)").first?.isNil == true, "\(name) should be absent")
    }

    @Test func theSandboxKeepsWhatProcessorsNeed() throws {
        let lua = try LuaState(LuaOptions(libraries: .sandboxed))
        let results = try lua.run("""
            return type(os.clock()), type(os.time()), os.date('!%Y', 0), string.format('%d', 7),
                   math.floor(2.5), utf8.char(228), table.concat({1, 2}, ','), type(coroutine.wrap)
            """)
        #expect(results.map { $0.stringValue ?? $0.integerValue.map(String.init) } == [
            "number", "number", "1970", "7", "2", "ä", "1,2", "function",
        ])
    }

    @Test func loadInTheSandboxTakesTextAndAnEnvironment() throws {
        let lua = try LuaState(LuaOptions(libraries: .sandboxed))
        #expect(try lua.run("return load('return 1 + 1')()").first?.integerValue == 2)
        #expect(try lua.run("return load('return x', 'chunk', 't', {x = 9})()").first?.integerValue == 9)
        let results = try lua.run("return load(string.rep('\\27', 4), 'bin', 'b')")
        #expect(results[0].isNil)
        #expect(results[1].stringValue?.contains("binary") == true)
    }

    @Test func cModulesCannotBeRequired() throws {
        let lua = try LuaState(LuaOptions(libraries: .sandboxed))
        let error = try #require(throws: LuaError.self) { try lua.run("require('cjson')") }
        #expect(error.message.contains("module 'cjson' not found"))
        #expect(try lua.run("return package.cpath").first?.stringValue == "")
    }

    @Test func collectgarbageIsLimitedToHarmlessOptions() throws {
        let lua = try LuaState(LuaOptions(libraries: .sandboxed))
        #expect(try lua.run("return type(collectgarbage('count'))").first?.stringValue == "number")
        let error = try #require(throws: LuaError.self) { try lua.run("collectgarbage('stop')") }
        #expect(error.message.contains("not available in the sandbox"))
    }

    @Test func theFullProfileHasEverything() throws {
        let lua = try LuaState(LuaOptions(libraries: .full))
        let results = try lua.run("return type(io.open), type(os.execute), type(debug.traceback), type(string.dump)")
        #expect(results.map(\.stringValue) == ["function", "function", "function", "function"])
    }
}
