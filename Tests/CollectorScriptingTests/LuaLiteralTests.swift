import CollectorValues
import LuaRuntime
import Testing

@testable import CollectorScripting

/// Record values written as Lua source read back as the same values, in a
/// state with what a test file has (`json`, `null`, `array`).
@Suite("record values as Lua source")
struct LuaLiteralTests {
    static func readBack(_ value: DataValue) throws -> DataValue {
        let lua = try LuaState(LuaOptions(libraries: .full))
        try JSONLibrary.install(in: lua)
        let source = LuaLiteral.source(value)
        let values = try lua.run(
            "local null, array = json.null, function(t) return json.array(t or {}) end\nreturn " + source)
        return try lua.data(values[0])
    }

    @Test(arguments: [
        DataValue.integer(1), .double(1.0), .double(-0.5), .double(1.5e300), .double(.leastNonzeroMagnitude), .double(.infinity),
        .integer(.min), .integer(.max), .null, .bool(false), .string("a\"b\\c\n\r\t\u{0}é\u{7F}"),
        .bytes([0xFF, 0x00, 0x31, 0x80]), .array([]), .object([:]),
        .object(["end": 1, "not a name": .array([.null, .double(2.0)]), "_ok1": .object(["deep": .array([])])]),
        .object(["1": "a string key that looks like a number"]),
    ])
    func aValueReadsBackAsItself(value: DataValue) throws {
        // An object to keep the top-level kind in question the value itself, not its container.
        let wrapped = DataValue.object(["v": value])
        #expect(try Self.readBack(wrapped) == wrapped, "\(LuaLiteral.source(wrapped))")
    }

    @Test func floatsAlwaysSayTheyAreFloats() {
        #expect(LuaLiteral.source(.double(104)) == "104.0")
        #expect(LuaLiteral.source(.integer(104)) == "104")
        #expect(LuaLiteral.source(.double(1e20)).contains("e"))
    }

    @Test func anErrorBecomesAPatternOfItsMessageWithoutWhereItWasRaised() {
        #expect(GoldenTestFile.pattern("processors/readings.lua:12: negative value (-1)") == "negative value %(%-1%)")
        #expect(GoldenTestFile.pattern("bad: 3 things [x]\nstack traceback:\n...") == "bad: 3 things %[x%]")
    }
}
