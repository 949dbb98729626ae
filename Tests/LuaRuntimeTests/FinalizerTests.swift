import Testing

@testable import LuaRuntime

/// Finalizers run with hooks off (outside every limit): the sandbox never
/// arms one, and the engine's own metatables cannot be reached to add one.
@Suite("Finalizers and the engine's metatables")
struct FinalizerTests {
    @Test(arguments: ["function() while true do end end", "function() ran = true end", "true", "'x'", "{}"])
    func theSandboxNeverRunsAFinalizer(_ value: String) throws {
        let lua = try LuaState(LuaOptions(libraries: .sandboxed, instructionLimit: 1_000_000, timeLimit: .seconds(5)))
        var warnings: [String] = []
        lua.warningHandler = { warnings.append($0) }
        let kept = try lua.run("""
            ran = false
            local mt = { __gc = \(value) }
            for i = 1, 3 do setmetatable({}, mt) end
            local t = setmetatable({}, mt)
            local same = getmetatable(t) == mt and rawget(mt, '__gc') ~= nil
            t = nil collectgarbage() collectgarbage()
            return same, ran
            """, name: "@gc.lua")
        #expect(kept.map(\.booleanValue) == [true, false])
        #expect(warnings == ["gc.lua:3: __gc is ignored in the sandbox: finalizers would run outside the limits, so none runs"])
        // __gc added after setmetatable never finalizes either (Lua marks objects at setmetatable time).
        #expect(try lua.run("""
            local mt = {} local t = setmetatable({}, mt) mt.__gc = function() while true do end end
            t = nil collectgarbage() collectgarbage() return 'done'
            """).first?.stringValue == "done")
        #expect(try lua.run("return getmetatable(setmetatable({}, { __index = { x = 1 } })).__index.x").first?.integerValue == 1)
        // The state closes without running any of them.
        lua.close()
    }

    @Test func theFullProfileKeepsFinalizers() throws {
        let lua = try LuaState(LuaOptions(libraries: .full))
        #expect(try lua.run("""
            local ran = false
            setmetatable({}, { __gc = function() ran = true end }) collectgarbage() collectgarbage()
            return ran
            """).first?.booleanValue == true)
    }

    @Test(arguments: [LuaLibraries.sandboxed, .full])
    func theEngineMetatablesAreHidden(_ libraries: LuaLibraries) throws {
        let lua = try LuaState(LuaOptions(libraries: libraries))
        try lua.register("mark") { call in
            try call.markTable(1, asArray: true)
            call.pushArgument(1)
            return 1
        }
        let names = try lua.run("return getmetatable(null).__name, getmetatable(mark({})).__name, getmetatable(mark({})).__gc")
        #expect(names.map { $0.stringValue ?? "nil" } == ["null", "array", "nil"])
        // A script can neither add a __gc to them nor change what they do.
        let write = try #require(throws: LuaError.self) { try lua.run("getmetatable(mark({})).__gc = function() end", name: "@w.lua") }
        #expect(write.message == "w.lua:1: the metatable of array values is the engine's and read-only")
        let nullWrite = try #require(throws: LuaError.self) { try lua.run("getmetatable(null).__tostring = nil getmetatable(null).__index = {}") }
        #expect(nullWrite.message.contains("the metatable of null values is the engine's and read-only"))
        #expect(throws: LuaError.self) { try lua.run("setmetatable(null, {})") }
        #expect(try lua.run("return tostring(null)").first?.stringValue == "null")
        // A marked table may still be given a metatable of the script's own (losing its mark).
        let own = try lua.run("local t = setmetatable(mark({}), { __index = { x = 5 } }) return t.x, getmetatable(t) ~= 'array'")
        #expect(own[0].integerValue == 5 && own[1].booleanValue == true)
        #expect(try lua.run("return getmetatable(setmetatable(mark({}), nil))").first?.isNil == true)
    }

    @Test func aSwiftObjectsMetatableIsHiddenAndItsReleaseChecksWhatItIsGiven() throws {
        let lua = try LuaState(LuaOptions(libraries: .full))
        try lua.register(LuaObjectType<Counter>(name: "counter"))
        try lua.setGlobal("c", LuaObject(Counter()))
        #expect(try lua.run("return getmetatable(c).__name, getmetatable(c).__gc, getmetatable(c).__index").map(\.stringValue) == [
            "counter", nil, nil,
        ])
        #expect(throws: LuaError.self) { try lua.run("getmetatable(c).__index = function() return 'mine' end") }
        // Even with the real metatable (debug), its __gc does nothing to a userdata that is not a Swift box.
        let alive = try lua.run("""
            local gc = debug.getmetatable(c).__gc
            gc(io.stdout) gc(io.stderr) gc({}) gc(nil) gc(null)
            return io.type(io.stdout), io.stdout:write('') == io.stdout
            """)
        #expect(alive[0].stringValue == "file" && alive[1].booleanValue == true)
    }

    @Test func aSwiftFunctionCalledWithAForeignUpvalueIsAnError() throws {
        let lua = try LuaState(LuaOptions(libraries: .full))
        try lua.register("answer") { call in
            try call.push(42 as Int64)
            return 1
        }
        let error = try #require(throws: LuaError.self) {
            try lua.run("debug.setupvalue(answer, 1, io.stdout) return answer()")
        }
        #expect(error.message.contains("released Swift function"), "\(error.message)")
        #expect(try lua.run("return io.type(io.stdout)").first?.stringValue == "file")
    }
}

private final class Counter {
    var count = 0
}
