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

    @Test func theSandboxHasNoCSearchers() throws {
        let lua = try LuaState(LuaOptions(libraries: .sandboxed))
        // Only the preload and Lua searchers remain; the C and all-in-one loaders are gone.
        let searchers = try lua.run("return #package.searchers, type(package.searchers[1]), type(package.searchers[2]), package.searchers[3], package.searchers[4]")
        #expect(searchers[0].integerValue == 2)
        #expect(searchers[1].stringValue == "function")
        #expect(searchers[2].stringValue == "function")
        #expect(searchers[3].isNil)
        #expect(searchers[4].isNil)
        #expect(try lua.run("package.preload.answer = function() return 42 end return require('answer')").first?.integerValue == 42)
        // A script cannot set a cpath (package is read-only), and require finds no C module.
        let readOnly = try #require(throws: LuaError.self) { try lua.run("package.cpath = '/nowhere/?.so'") }
        #expect(readOnly.message.contains("package is read-only in the sandbox"), "\(readOnly.message)")
        let error = try #require(throws: LuaError.self) { try lua.run("return require('absent.sub')") }
        #expect(error.message.contains("module 'absent.sub' not found"))
        #expect(!error.message.contains(".so"), "\(error.message)")

        // The full profile has all four, and its C searchers do look at the cpath.
        let full = try LuaState(LuaOptions(libraries: .full))
        #expect(try full.run("return #package.searchers").first?.integerValue == 4)
        let fullError = try #require(throws: LuaError.self) {
            try full.run("package.cpath = '/nowhere/?.so' return require('absent.sub')")
        }
        #expect(fullError.message.contains("no file '/nowhere/absent/sub.so'"))
        #expect(fullError.message.contains("no file '/nowhere/absent.so'"))
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
