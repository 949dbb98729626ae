import CollectorValues
import Testing

@testable import LuaRuntime

/// JSON text decoded straight into Lua: on the caller's thread, re-entrant,
/// within the Lua stack and under the state's memory cap.
@Suite("JSON text into Lua")
struct JSONTextDecodingTests {
    /// A state with `decode(text)`, which pushes the text's value as `json.decode` does.
    static func state(_ options: LuaOptions = LuaOptions()) throws -> LuaState {
        let lua = try LuaState(options)
        try lua.register("decode") { call in
            let text: [UInt8] = try call.argument(1)
            try call.push(json: text[...])
            return 1
        }
        return lua
    }

    @Test func decodesOnTheCoroutineThatCalls() throws {
        let lua = try Self.state()
        let values = try lua.run("""
            -- the first decode of the state runs in a coroutine that is then collected
            local first = coroutine.wrap(function() return decode('{"warm":[1]}') end)()
            collectgarbage(); collectgarbage()
            local inside = coroutine.wrap(function() return decode('{"a":[1,2,3]}') end)()
            local main = decode('{"b":{"c":true}}')
            return type(first) == "table" and first.warm[1], type(inside) == "table" and inside.a[3], main.b.c
            """)
        #expect(values.map(\.integerValue) == [1, 3, nil])
        #expect(values[2].booleanValue == true)
    }

    @Test func aFinalizerThatDecodesDuringADecodeGetsADecoderOfItsOwn() throws {
        let lua = try Self.state()
        let wide = "{" + (1...40).map { "\"k\($0)\":{\"x\":[1,2,3,{\"y\":[4,5]}],\"s\":\"v\($0)\"}" }.joined(separator: ",") + "}"
        let body = try #require(try lua.run("""
            return function(text)
            local decoded = 0
            local function arm()
              setmetatable({}, { __gc = function()
                local v = decode('{"a":[1,{"b":[2]}]}')
                if v.a[2].b[1] == 2 then decoded = decoded + 1 end
                arm()
              end })
            end
            arm()
            local ok = true
            for i = 1, 300 do
              local v = decode(text)
              ok = ok and v.k40.s == "v40" and v.k1.x[4].y[2] == 5
            end
            return ok, decoded
            end
            """).first?.functionValue)
        let values = try lua.call(body, wide)
        #expect(values.first?.booleanValue == true)
        #expect((values.last?.integerValue ?? 0) > 0, "the finalizer ran during the decodes")
    }

    @Test func nearTheStackLimitTheDecodeFailsWithAnError() throws {
        let lua = try Self.state()
        let locals = (1...180).map { "a\($0)" }.joined(separator: ",")
        let values = try lua.run("""
            local deep = string.rep('{"a":', 190) .. '1' .. string.rep('}', 190)
            local function rec(n)
              local \(locals)
              if n == 0 then return decode(deep) ~= nil end
              return (rec(n - 1))
            end
            local lo, hi, last = 1, 20000, nil
            while hi - lo > 1 do
              local mid = (lo + hi) // 2
              local ok, e = pcall(rec, mid)
              if ok then lo = mid else hi = mid; last = tostring(e) end
            end
            return lo, last, decode('[1,2]')[2]
            """)
        #expect((values[0].integerValue ?? 0) > 100)
        let message = values[1].stringValue ?? ""
        #expect(message.contains("stack overflow"), "\(message)")
        #expect(values[2].integerValue == 2, "the state goes on")
    }

    @Test func theMemoryCapHoldsWhileInputIsDecoded() throws {
        let lua = try LuaState(LuaOptions(libraries: .sandboxed, memoryLimit: 1 << 20))
        let identity = try #require(try lua.run("return function(r) return r end").first?.functionValue)
        let big = Array(("{\"a\":[" + String(repeating: "[],", count: 500_000) + "[]]}").utf8)
        let error = try #require(throws: LuaError.self) { try lua.call(identity, JSONText(big[...])) }
        #expect(error.kind == .memory)
        #expect(error.message.contains("memory limit (1MB)"), "\(error.message)")
        #expect((error.underlyingError as? JSONError)?.kind == .stopped)
        #expect(lua.peakMemory < 4 << 20, "stopped near the cap, not after the whole document: \(lua.peakMemory)")
        // The next record goes in as if nothing happened.
        let small = try lua.call(identity, JSONText(Array("{\"id\":3,\"tags\":[\"x\"]}".utf8)[...]))
        guard case .table(let table) = small.first else {
            Issue.record("expected a table, got \(String(describing: small.first))")
            return
        }
        #expect(try lua.data(.table(table)) == ["id": 3, "tags": ["x"]])
    }

    @Test func oneNestingLimitForJSONTextAndTables() throws {
        let lua = try Self.state()
        func nested(_ levels: Int) -> String { String(repeating: "[", count: levels) + String(repeating: "]", count: levels) }
        let limit = DataNesting.maxDepth
        #expect(lua.options.maxDataDepth == limit)
        let decode = try #require(try lua.run("return function(text) return decode(text) end").first?.functionValue)
        let atLimit = try lua.call(decode, nested(limit))
        // What was decoded converts back, and goes out as JSON text.
        let data = try lua.data(atLimit[0])
        #expect(try JSONWriter().string(data) == nested(limit))
        let error = try #require(throws: LuaError.self) {
            try lua.call(decode, nested(limit + 1))
        }
        #expect(error.message.contains("nesting deeper than \(limit) levels"), "\(error.message)")
        #expect(throws: JSONError.self) { try JSONReader().read(nested(limit + 1)) }
    }
}

/// Data (not text) pushed into a capped state keeps the cap too.
@Suite("Data into Lua under the cap")
struct DataIntoLuaUnderTheCapTests {
    @Test func aValueTooLargeForTheStateFailsAndTheNextGoesIn() throws {
        let lua = try LuaState(LuaOptions(libraries: .sandboxed, memoryLimit: 1 << 20))
        let identity = try #require(try lua.run("return function(r) return r end").first?.functionValue)
        let big: DataValue = ["rows": .array((0..<100_000).map { .object(["i": .integer(Int64($0)), "s": "x"]) })]
        let error = try #require(throws: LuaError.self) { try lua.call(identity, big) }
        #expect(error.kind == .memory)
        #expect(error.message.contains("memory limit (1MB)"), "\(error.message)")
        #expect(lua.peakMemory < 4 << 20, "\(lua.peakMemory)")
        let small = try lua.call(identity, ["id": 3] as DataValue)
        #expect(try small.first.map { try lua.data($0) } == ["id": 3])
    }
}
