import CollectorValues
import LuaRuntime
import Testing

/// An error of the host's own type, with fields Lua knows nothing about.
private struct QuotaExceeded: Error, CustomStringConvertible {
    var tenant: String
    var limit: Int
    var description: String { "tenant \(tenant) is over its quota of \(limit)" }
}

@Suite("Swift errors through Lua")
struct HostErrorTests {
    static func state() throws -> LuaState {
        let lua = try LuaState()
        try lua.register("spend") { call in
            throw QuotaExceeded(tenant: try call.string(1), limit: 3)
        }
        // Swift -> Lua -> Swift -> Lua: the error crosses two Lua frames and a Swift one.
        try lua.register("apply") { call in
            let f = try call.function(1)
            _ = try call.call(f, try call.string(2))
            return 0
        }
        return lua
    }

    @Test func aThrownErrorComesBackOutAsItselfThroughLuaFrames() throws {
        let lua = try Self.state()
        let cases = [
            "local function f(t) spend(t) end f('acme')",
            "apply(function(t) spend(t) end, 'acme')",
            // Caught and raised again, as scripts do after cleaning up.
            "local ok, e = pcall(spend, 'acme') error(e, 0)",
            "local ok, e = pcall(apply, function(t) spend(t) end, 'acme') error(e)",
        ]
        for source in cases {
            let error = try #require(throws: LuaError.self) { try lua.run(source, name: "@q.lua") }
            #expect(error.kind == .callback, "\(source)")
            let quota = error.underlyingError as? QuotaExceeded
            #expect(quota?.tenant == "acme" && quota?.limit == 3, "\(source): \(String(describing: error.underlyingError))")
            #expect(error.message.hasSuffix("spend: tenant acme is over its quota of 3"), "\(source): \(error.message)")
        }
    }

    @Test func aScriptThatCatchesItReadsItsMessage() throws {
        let lua = try Self.state()
        let results = try lua.run("""
            local ok, e = pcall(spend, 'acme')
            return tostring(e), 'error: ' .. e, e:match('over its quota of (%d+)'), string.format('[%s]', e), e
            """, name: "@q.lua")
        // Called by pcall directly, no Lua line is where it failed: no position.
        let message = "spend: tenant acme is over its quota of 3"
        #expect(results.map(\.stringValue) == [message, "error: " + message, "3", "[\(message)]", message])
        // As data (a record field) and as JSON it is its message too.
        let record = try lua.run("local ok, e = pcall(spend, 'acme') return { err = e }", name: "@q.lua")
        #expect(try lua.data(try #require(record.first)) == .object(["err": .string(message)]))
    }

    @Test func aLuaErrorWithTheSameTextIsNotTakenForIt() throws {
        let lua = try Self.state()
        let error = try #require(throws: LuaError.self) {
            try lua.run("local ok, e = pcall(spend, 'acme') error(tostring(e), 0)", name: "@q.lua")
        }
        #expect(error.kind == .runtime)
        #expect(error.underlyingError == nil)
        #expect(error.message == "spend: tenant acme is over its quota of 3")
    }
}
