import CollectorValues
import Testing

@testable import LuaRuntime

@Suite("Lua errors in Swift")
struct ErrorTests {
    @Test func syntaxErrorsSayWhereAndWhetherInputIsIncomplete() throws {
        let lua = try LuaState()
        let broken = try #require(throws: LuaError.self) { try lua.load("x = = 1", name: "@broken.lua") }
        #expect(broken.kind == .syntax)
        #expect(broken.message == "broken.lua:1: unexpected symbol near '='")
        #expect(broken.line == 1)
        #expect(!broken.isIncompleteInput)

        let unfinished = try #require(throws: LuaError.self) { try lua.load("for i = 1, 3 do", name: "=stdin") }
        #expect(unfinished.kind == .syntax)
        #expect(unfinished.isIncompleteInput)
        let openString = try #require(throws: LuaError.self) { try lua.load("s = [[abc", name: "=stdin") }
        #expect(openString.isIncompleteInput)
        // The failed loads left the state as it was.
        #expect(try lua.run("return 1").first?.integerValue == 1)
    }

    @Test func binaryChunksAreRefused() throws {
        let lua = try LuaState(LuaOptions(libraries: .sandboxed))
        try lua.register("dump") { call in
            // Only the full profile has string.dump; borrow one to make a binary chunk.
            let full = try LuaState()
            try call.push(try full.run("return string.dump(function() return 1 end)")[0])
            return 1
        }
        let dumped = try lua.run("return dump()")[0]
        guard case .bytes(let bytes) = dumped else { Issue.record("expected bytes"); return }
        let loader = try #require(try lua.run("return function(b) return load(b, 'x', 'b') end").first?.functionValue)
        let results = try lua.call(loader, bytes)
        try #require(results.count == 2)
        #expect(results[0].isNil)
        #expect(results[1].stringValue?.contains("attempt to load a binary chunk") == true)
        // Swift's own load is text-only too.
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(throws: LuaError.self) { try lua.load(text, name: "=bin") }
    }

    @Test func errorValuesThatAreNotStrings() throws {
        let lua = try LuaState()
        let table = try #require(throws: LuaError.self) { try lua.run("error({code = 42, reason = 'quota'})") }
        #expect(table.kind == .runtime)
        #expect(table.message == #"{ code = 42, reason = "quota" }"#)
        #expect(table.value?["code"] == .integer(42))
        let nothing = try #require(throws: LuaError.self) { try lua.run("error(nil)") }
        #expect(nothing.message == "nil")
        #expect(nothing.value == .null)
        let number = try #require(throws: LuaError.self) { try lua.run("error(7)") }
        #expect(number.message == "7")
    }

    @Test func errorsInsideMetamethods() throws {
        let lua = try LuaState()
        var warnings: [String] = []
        lua.warningHandler = { warnings.append($0) }
        let index = try #require(throws: LuaError.self) {
            try lua.run("local t = setmetatable({}, {__index = function() error('no field') end}) return t.x", name: "@m.lua")
        }
        #expect(index.message == "m.lua:1: no field")
        let tostring = try #require(throws: LuaError.self) {
            try lua.run("return tostring(setmetatable({}, {__tostring = function() error('bad tostring') end}))", name: "@m.lua")
        }
        #expect(tostring.message == "m.lua:1: bad tostring")
        // An error in a finalizer cannot propagate; Lua turns it into a warning.
        try lua.run("setmetatable({}, {__gc = function() error('in gc') end}) collectgarbage() collectgarbage()", name: "@m.lua")
        #expect(warnings.contains { $0.contains("in gc") })
        #expect(try lua.run("return 2 + 2").first?.integerValue == 4)
    }

    @Test func runtimeErrorsCarryATraceback() throws {
        let lua = try LuaState()
        let error = try #require(throws: LuaError.self) {
            try lua.run("local function inner() local x = nil; return x.y end\nlocal function outer() local v = inner() return v end\nouter()", name: "@t.lua")
        }
        #expect(error.message == "t.lua:1: attempt to index a nil value (local 'x')")
        let traceback = try #require(error.traceback)
        #expect(traceback.contains("'inner'"), "\(traceback)")
        #expect(traceback.contains("t.lua:3"))
        #expect(error.description.hasPrefix(error.message + "\nstack traceback:"))
    }
}
