import CollectorValues
import Foundation
import Testing

@testable import LuaRuntime

@Suite("Loading, running and calling")
struct StateTests {
    @Test func runsAChunkAndReturnsItsValues() throws {
        let lua = try LuaState()
        let results = try lua.run("return 1, 2.5, 'three', true, nil")
        #expect(results.count == 5)
        #expect(results[0].integerValue == 1)
        #expect(results[1].numberValue == 2.5)
        #expect(results[2].stringValue == "three")
        #expect(results[3].booleanValue == true)
        #expect(results[4].isNil)
    }

    @Test func callsALuaFunctionWithArgumentsAndSeveralResults() throws {
        let lua = try LuaState()
        let divmod = try #require(try lua.run("return function(a, b) return a // b, a % b end").first?.functionValue)
        let results = try lua.call(divmod, Int64(17), Int64(5))
        #expect(results.map(\.integerValue) == [3, 2])
        #expect(try lua.call(divmod, 9, 4, returning: Int64.self) == 2)
    }

    @Test func globalsCanBeSetAndRead() throws {
        let lua = try LuaState()
        try lua.setGlobal("limit", Int64(42))
        try lua.setGlobal("name", "sensor")
        try lua.run("doubled = limit * 2; greeting = 'hi ' .. name")
        #expect(try lua.global("doubled").integerValue == 84)
        #expect(try lua.global("greeting").stringValue == "hi sensor")
        #expect(try lua.global("missing").isNil)
    }

    @Test func chunkNamesAppearInErrors() throws {
        let lua = try LuaState()
        let error = try #require(throws: LuaError.self) { try lua.run("\n\nerror('boom')", name: "@pipeline.lua") }
        #expect(error.kind == .runtime)
        #expect(error.message == "pipeline.lua:3: boom")
        #expect(error.chunkName == "pipeline.lua")
        #expect(error.line == 3)
        #expect(error.traceback?.contains("stack traceback:") == true)
    }

    @Test func requireUsesTheConfiguredSearchPath() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lua-require-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "return { scale = function(x) return x * 10 end }".write(
            to: directory.appendingPathComponent("helpers.lua"), atomically: true, encoding: .utf8)

        let lua = try LuaState(LuaOptions(libraries: .sandboxed, modulePaths: ["\(directory.path)/?.lua"]))
        #expect(try lua.run("return require('helpers').scale(4)").first?.integerValue == 40)
        let error = try #require(throws: LuaError.self) { try lua.run("return require('nowhere')") }
        #expect(error.message.contains("module 'nowhere' not found"))
    }

    @Test func closedStateRefusesWorkAndOldRefsAreInert() throws {
        let lua = try LuaState()
        let f = try lua.load("return 1", name: "=f")
        lua.close()
        let error = try #require(throws: LuaError.self) { try lua.call(f) }
        #expect(error.kind == .misuse)
        lua.close()  // idempotent
    }

    @Test func aRefFromAnotherStateIsRefused() throws {
        let a = try LuaState()
        let b = try LuaState()
        let f = try a.load("return 1", name: "=f")
        let error = try #require(throws: LuaError.self) { try b.call(f) }
        #expect(error.kind == .misuse)
        #expect(try a.call(f, returning: Int64.self) == 1)
    }

    @Test func callingAFunctionRefAfterItsStateClosedIsAnError() throws {
        var f: LuaFunction?
        do {
            let lua = try LuaState()
            f = try lua.load("return 1", name: "=f")
            lua.close()
            #expect(throws: LuaError.self) { try lua.call(f!) }
        }
        let other = try LuaState()
        #expect(throws: LuaError.self) { try other.call(f!) }
        f = nil  // its release after the close must not touch the freed state
    }
}
