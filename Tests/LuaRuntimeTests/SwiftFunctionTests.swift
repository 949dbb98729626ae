import CollectorValues
import Testing

@testable import LuaRuntime

/// Counts live instances of `Tracked`, so tests can see that Swift objects were released.
final class LiveCount {
    var value = 0
}

final class Tracked {
    let live: LiveCount
    var value: Int64 = 0
    init(_ live: LiveCount) {
        self.live = live
        live.value += 1
    }
    deinit { live.value -= 1 }
}

struct StoreFull: Error, CustomStringConvertible {
    var description: String { "the store is full" }
}

@Suite("Swift functions called from Lua")
struct SwiftFunctionTests {
    @Test func closuresAreCallableWithArgumentsAndResults() throws {
        let lua = try LuaState()
        var calls = 0
        try lua.register("add") { call in
            calls += 1
            try call.push(try call.integer(1) + call.integer(2))
            return 1
        }
        #expect(try lua.run("return add(40, 2)").first?.integerValue == 42)
        #expect(calls == 1)
    }

    @Test func badArgumentsReadLikeLuaOwnErrors() throws {
        let lua = try LuaState()
        try lua.register("store") { call in
            _ = try call.string(1)
            _ = try call.integer(2)
            return 0
        }
        let error = try #require(throws: LuaError.self) { try lua.run("store('x', 'y')", name: "@p.lua") }
        #expect(error.message == "p.lua:1: bad argument #2 to 'store' (integer expected, got string)")
        let missing = try #require(throws: LuaError.self) { try lua.run("store('x')", name: "@p.lua") }
        #expect(missing.message == "p.lua:1: bad argument #2 to 'store' (integer expected, got no value)")
        let fraction = try #require(throws: LuaError.self) { try lua.run("store('x', 1.5)", name: "@p.lua") }
        #expect(fraction.message == "p.lua:1: bad argument #2 to 'store' (number has no integer representation)")
        #expect(try lua.run("return pcall(store, 'x', 3.0)").first?.booleanValue == true)
    }

    @Test func aSwiftThrowIsALuaErrorAndSwiftCleansUpFirst() throws {
        let lua = try LuaState()
        var deferRan = false
        let live = LiveCount()
        try lua.register("failing") { _ in
            let resource = Tracked(live)
            defer { deferRan = true }
            withExtendedLifetime(resource) {}
            throw StoreFull()
        }
        // Lua's pcall catches it: the raise happened in C, after Swift returned.
        let caught = try lua.run("local ok, err = pcall(function() failing() end) return ok, err", name: "@s.lua")
        #expect(caught[0].booleanValue == false)
        #expect(caught[1].stringValue == "s.lua:1: failing: the store is full")
        #expect(deferRan)
        #expect(live.value == 0)

        // Uncaught, it reaches Swift as a callback error carrying the original.
        let error = try #require(throws: LuaError.self) { try lua.run("failing()", name: "@s.lua") }
        #expect(error.kind == .callback)
        #expect(error.underlyingError is StoreFull)
    }

    @Test func nestedLuaSwiftLuaCallsPropagateErrorsWithTracebacks() throws {
        let lua = try LuaState()
        try lua.register("apply") { call in
            let f = try call.function(1)
            let results = try call.call(f, try call.integer(2))
            try call.push(results.first ?? .nil)
            return 1
        }
        #expect(try lua.run("return apply(function(x) return x * 3 end, 5)").first?.integerValue == 15)
        let error = try #require(throws: LuaError.self) {
            try lua.run("return apply(function(x) error('inner ' .. x) end, 7)", name: "@n.lua")
        }
        #expect(error.message == "n.lua:1: inner 7")
        #expect(error.traceback?.contains("apply") == true)
        // A table error value passes through Swift unchanged.
        let table = try lua.run("""
            local ok, e = pcall(apply, function() error({code = 7}) end, 1)
            return type(e), e.code
            """)
        #expect(table[0].stringValue == "table")
        #expect(table[1].integerValue == 7)
    }

    @Test func aThrowWithToBeClosedVariablesClosesThem() throws {
        let lua = try LuaState()
        try lua.register("failing") { _ in throw StoreFull() }
        let results = try lua.run("""
            local closed, closedWith = false, nil
            local ok, err = pcall(function()
              local guard <close> = setmetatable({}, { __close = function(_, e) closed, closedWith = true, e end })
              failing()
            end)
            return ok, closed, err, closedWith
            """, name: "@tbc.lua")
        #expect(results[0].booleanValue == false)
        #expect(results[1].booleanValue == true)
        // Lua sees the Swift error by name, both where it was caught and in the __close handler.
        #expect(results[2].stringValue == "tbc.lua:4: failing: the store is full")
        #expect(results[3].stringValue == results[2].stringValue)
        #expect(try lua.run("return 1").first?.integerValue == 1)
    }

    @Test func yieldingAcrossASwiftFunctionIsAnErrorNotACrash() throws {
        let lua = try LuaState()
        try lua.register("each") { call in
            let f = try call.function(1)
            _ = try call.call(f, Int64(1))
            return 0
        }
        let results = try lua.run("""
            local co = coroutine.wrap(function() each(function(x) coroutine.yield(x) end) end)
            local ok, err = pcall(co)
            return ok, err
            """)
        #expect(results[0].booleanValue == false)
        #expect(results[1].stringValue?.contains("attempt to yield across a C-call boundary") == true)
        #expect(try lua.run("return 1").first?.integerValue == 1)
    }

    @Test func swiftFunctionsWorkInsideCoroutines() throws {
        let lua = try LuaState()
        try lua.register("twice") { call in
            try call.push(try call.integer(1) * 2)
            return 1
        }
        let results = try lua.run("""
            local co = coroutine.wrap(function(a) local b = coroutine.yield(twice(a)) return twice(b) end)
            return co(3), co(10)
            """)
        #expect(results.map(\.integerValue) == [6, 20])
    }

    @Test func releasedFunctionsReleaseTheirClosures() throws {
        let live = LiveCount()
        let lua = try LuaState()
        do {
            let captured = Tracked(live)
            try lua.register("hold") { _ in withExtendedLifetime(captured) {}; return 0 }
        }
        #expect(live.value == 1)  // only Lua holds it now
        try lua.run("hold = nil collectgarbage() collectgarbage()")
        #expect(live.value == 0)
    }
}
