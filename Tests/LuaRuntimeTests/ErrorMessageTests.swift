import CollectorValues
import Testing

@testable import LuaRuntime

/// What an error says when it crosses from Lua into Swift: tables raised as
/// errors, messages of any size, strings that are not UTF-8.
@Suite("Error messages across the boundary")
struct ErrorMessageTests {
    @Test func aTableRaisedAsAnErrorIsShownAndKept() throws {
        let lua = try LuaState()
        let error = try #require(throws: LuaError.self) {
            try lua.run("error({ code = 42, reason = 'quota exceeded', tags = { 'a', 'b' } })")
        }
        #expect(error.message == #"{ code = 42, reason = "quota exceeded", tags = { "a", "b" } }"#)
        #expect(error.value == ["code": 42, "reason": "quota exceeded", "tags": ["a", "b"]])
        let keys = try #require(throws: LuaError.self) { try lua.run("error({ ['end'] = 1, ['a b'] = 2, [''] = 3 })") }
        #expect(keys.message == #"{ [""] = 3, ["a b"] = 2, ["end"] = 1 }"#)
    }

    @Test func aTableWithToStringIsShownAsLuaShowsIt() throws {
        let lua = try LuaState(LuaOptions(libraries: .sandboxed, instructionLimit: 100_000))
        let shown = try #require(throws: LuaError.self) {
            try lua.run("error(setmetatable({ code = 7 }, { __tostring = function(e) return 'E' .. e.code end }))")
        }
        #expect(shown.message == "E7")
        // A __tostring that fails, loops or gives no string: the contents instead.
        for metamethod in ["function() error('no') end", "function() while true do end end", "function() return {} end"] {
            let error = try #require(throws: LuaError.self) {
                try lua.run("error(setmetatable({ code = 7 }, { __tostring = \(metamethod) }))")
            }
            #expect(error.message == "{ code = 7 }", "\(metamethod): \(error.message)")
        }
        #expect(try lua.run("return 1 + 1").first?.integerValue == 2)
    }

    @Test func aLargeTableValueIsShownCut() throws {
        let lua = try LuaState()
        let error = try #require(throws: LuaError.self) {
            try lua.run("local t = {} for i = 1, 10000 do t[i] = string.rep('x', 100) end error(t)")
        }
        #expect(error.message.utf8.count <= ErrorValueText.maxLength + 8)
        #expect(error.message.hasPrefix(#"{ "xxx"#) && error.message.hasSuffix(" ..."), "\(error.message.prefix(80))")
    }

    @Test func aHugeMessageIsCutWithItsLengthNoted() throws {
        let lua = try LuaState()
        let error = try #require(throws: LuaError.self) { try lua.run("error(string.rep('E', 10 * 1024 * 1024), 0)") }
        #expect(error.message.utf8.count < LuaError.maxMessageBytes + 100)
        #expect(error.message.hasPrefix("EEEE"))
        #expect(error.message.hasSuffix("(message cut: 10485760 bytes in all)"), "\(error.message.suffix(60))")
        // Cut between whole characters, never inside one.
        let wide = LuaError.bounded(String(repeating: "é", count: 5000))
        #expect(wide.hasPrefix(String(repeating: "é", count: LuaError.maxMessageBytes / 2)))
        #expect(!wide.contains("\u{FFFD}"))
    }

    @Test func aStringThatIsNotUTF8SaysSo() throws {
        let lua = try LuaState()
        try lua.register("name") { call in
            try call.push(try call.string(1))
            return 1
        }
        let values = try lua.run("return pcall(name, 'ab\\255cd')")
        let message = values.last?.stringValue ?? ""
        #expect(message.contains("bad argument #1 to 'name' (string is not valid UTF-8: invalid UTF-8 byte 0xFF at byte 2)"), "\(message)")
        #expect(!message.contains("got string"))
        #expect(LuaValue.bytes([0x61, 0xC3]).typeDescription == "string that is not valid UTF-8 (invalid UTF-8 byte 0xC3 at byte 1)")
        #expect(DataValue.bytes([0xFF]).typeDescription == "string that is not valid UTF-8 (invalid UTF-8 byte 0xFF at byte 0)")
    }
}
