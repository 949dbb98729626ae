import CollectorValues
import Testing

@testable import LuaRuntime

@Suite("Swift objects as userdata")
struct ObjectTests {
    func counterType() -> LuaObjectType<Tracked> {
        LuaObjectType<Tracked>(name: "Counter") { type in
            type.method("add") { counter, call in
                counter.value += try call.integer(1)
                try call.push(counter.value)
                return 1
            }
            type.method("close") { _, call in
                call.releaseObject(at: 0)
                return 0
            }
            type.property("value") { .integer($0.value) }
            type.description { "Counter(\($0.value))" }
        }
    }

    @Test func methodsPropertiesAndToString() throws {
        let lua = try LuaState()
        let live = LiveCount()
        try lua.register(counterType())
        let counter = Tracked(live)
        try lua.setGlobal("c", LuaObject(counter))
        let results = try lua.run("c:add(2) c:add(5) return c.value, tostring(c), c.missing")
        #expect(results[0].integerValue == 7)
        #expect(results[1].stringValue == "Counter(7)")
        #expect(results[2].isNil)
        #expect(counter.value == 7)
        #expect(try lua.object(try lua.global("c"), as: Tracked.self) === counter)
    }

    @Test func wrongSelfAndWrongArgumentsAreLuaErrors() throws {
        let lua = try LuaState()
        try lua.register(counterType())
        try lua.setGlobal("c", LuaObject(Tracked(LiveCount())))
        let wrongSelf = try #require(throws: LuaError.self) { try lua.run("c.add(1, 2)", name: "@o.lua") }
        #expect(wrongSelf.message == "o.lua:1: calling 'add' on bad self (Counter expected, got number)")
        let wrongArgument = try #require(throws: LuaError.self) { try lua.run("c:add('x')", name: "@o.lua") }
        #expect(wrongArgument.message == "o.lua:1: bad argument #1 to 'add' (integer expected, got string)")
    }

    @Test func useAfterCloseIsAnErrorNotACrash() throws {
        let lua = try LuaState()
        let live = LiveCount()
        try lua.register(counterType())
        try lua.setGlobal("c", LuaObject(Tracked(live)))
        #expect(live.value == 1)
        try lua.run("c:close()")
        #expect(live.value == 0)  // released at once, not at the next collection
        let error = try #require(throws: LuaError.self) { try lua.run("c:add(1)", name: "@o.lua") }
        #expect(error.message == "o.lua:1: attempt to use a closed Counter")
        #expect(try lua.run("return tostring(c)").first?.stringValue == "Counter (closed)")
    }

    @Test func garbageCollectionReleasesTheSwiftObject() throws {
        let lua = try LuaState()
        let live = LiveCount()
        try lua.register(counterType())
        try lua.setGlobal("c", LuaObject(Tracked(live)))
        #expect(live.value == 1)
        try lua.run("c = nil collectgarbage() collectgarbage()")
        #expect(live.value == 0)
    }

    @Test func closingTheStateReleasesEverything() throws {
        let live = LiveCount()
        let lua = try LuaState()
        try lua.register(counterType())
        for i in 0..<10 { try lua.setGlobal("c\(i)", LuaObject(Tracked(live))) }
        #expect(live.value == 10)
        lua.close()
        #expect(live.value == 0)
    }

    @Test func unregisteredTypesAreRefused() throws {
        let lua = try LuaState()
        let error = try #require(throws: LuaError.self) { try lua.setGlobal("c", LuaObject(Tracked(LiveCount()))) }
        #expect(error.kind == .misuse)
    }
}
