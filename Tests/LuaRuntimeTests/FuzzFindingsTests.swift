import CollectorValues
import Testing

@testable import LuaRuntime

/// Inputs `scripts/fuzz.sh` found, checked the way the fuzz target checks
/// them: JSON text read into a `DataValue` and decoded into Lua must give the
/// same value, and a Lua table must come back as a well-formed `DataObject`.
@Suite("Inputs the fuzzer found")
struct FuzzFindingsTests {
    let lua: LuaState
    let identity: LuaFunction

    init() throws {
        lua = try LuaState(.sandboxed())
        identity = try lua.load("local value = ... return value", name: "=identity")
    }

    /// "é" written precomposed (U+00E9) and decomposed ("e" U+0301) are one
    /// key to a Swift `String` and two keys to Lua, whose strings are bytes.
    /// Both readers keep two fields now: keys compare byte for byte on every path.
    @Test func canonicallyEquivalentKeysReadTheSameIntoDataAndIntoLua() throws {
        let text = Array(#"{"s":"x","\u00e9":1,"e\u0301":2}"#.utf8)
        let read = try JSONReader(maxDepth: lua.options.maxDataDepth).read(text)
        let pushed = try #require(try lua.callTransform(identity, input: JSONText(text[...])))
        #expect(pushed.isIdentical(to: read), "JSONReader read \(read), the Lua decoder gave \(pushed)")
    }

    /// A table with both spellings of "é" as keys must not become a
    /// `DataObject` at odds with itself: every field it lists is found by
    /// its own key, with its own value (or the conversion fails with an
    /// error). Both spellings are fields of their own.
    @Test func aTableWithCanonicallyEquivalentKeysBecomesAnObjectWhoseFieldsAreFoundByTheirKeys() throws {
        let make = try lua.load(#"return { ["\u{E9}"] = 1, ["e\u{301}"] = 2 }"#, name: "=keys")
        let table = try #require(try lua.call(make).first)
        let data: DataValue
        do {
            data = try lua.data(table)
        } catch {
            #expect(error.kind == .conversion)
            return
        }
        let object = try #require(data.objectValue)
        for (key, value) in object {
            #expect(object[key] == value, "field \(Array(key.utf8)) is \(value), its key finds \(String(describing: object[key]))")
        }
    }

    /// The state's depth limit is one limit: 200 arrays around a number
    /// (what `JSONReader(maxDepth: 200)` reads, a scalar inside being depth
    /// 0 as at the top) go into Lua as JSON text, come back as data, and go
    /// into Lua as data too. Pushing data once counted the number inside
    /// as a level of its own.
    @Test func dataNestedAsDeepAsTheLimitPassesIntoLuaAsItsJSONTextDoes() throws {
        let depth = lua.options.maxDataDepth
        let text = Array((String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth)).utf8)
        let read = try JSONReader(maxDepth: depth).read(text)
        let fromText = try #require(try lua.callTransform(identity, input: JSONText(text[...])))
        #expect(fromText.isIdentical(to: read))
        let fromData = try #require(try lua.callTransform(identity, read))
        #expect(fromData.isIdentical(to: read))
    }
}
