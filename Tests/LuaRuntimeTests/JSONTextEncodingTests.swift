import CollectorValues
import Testing

@testable import LuaRuntime

/// A processor's result written straight to JSON text must be the text that
/// converting it to data and writing that gives; what the text way refuses
/// goes the data way.
@Suite("Lua tables straight to JSON text")
struct JSONTextEncodingTests {
    let lua: LuaState

    init() throws {
        lua = try LuaState()
    }

    /// Runs `body` (a Lua function body returning the result) through both ways.
    func transform(_ body: String, input: DataValue = ["a": 1]) throws -> (TransformResult, [UInt8], DataValue?) {
        let function = try #require(try lua.run("return function(r) \(body) end").first?.functionValue)
        var text = JSONTextBuffer(capacity: 16)
        text.append(ascii: UInt8(ascii: "#"))  // results start where the buffer is, not at 0
        let result = try lua.callTransform(function, input: input, text: &text)
        let data = try lua.callTransform(function, input)
        return (result, text.bytes(), data)
    }

    @Test(arguments: [
        "return r",
        "return { i = 1, f = 1.0, neg = -0.0, big = 9007199254740993, min = math.mininteger, tiny = 5e-324, huge = 1e300 }",
        "return { s = 'héllo \"quoted\" back\\\\slash\\n\\t\\1 ✓', empty = '' }",
        "return { list = { 1, 'two', 3.5, { x = true } }, nested = { deeper = { deepest = { false } } } }",
        "return { e = {} }",
        "return { n = null, list = { null, 1 } }",
        "return {}",
        "r.added = { 'x' } r.a = nil return r",
    ])
    func textIsWhatTheDataWayWrites(_ body: String) throws {
        let (result, text, data) = try transform(body)
        guard case .text(let range) = result else {
            Issue.record("\(body): expected text, got \(result)")
            return
        }
        #expect(range.lowerBound == 1)
        let expected = try JSONWriter().bytes(try #require(data))
        #expect(Array(text[range]) == expected, "\(String(decoding: text[range], as: UTF8.self)) vs \(String(decoding: expected, as: UTF8.self))")
    }

    @Test func markedEmptyTablesKeepTheirKind() throws {
        let function = try #require(try lua.run("""
            return function(r) r.fresh = {} r.emptied = r.items; table.remove(r.emptied) return r end
            """).first?.functionValue)
        var text = JSONTextBuffer()
        let result = try lua.callTransform(function, input: ["items": [1]] as DataValue, text: &text)
        guard case .text(let range) = result else {
            Issue.record("expected text, got \(result)")
            return
        }
        let back = try JSONReader().read(text.bytes()[range])
        #expect(back["emptied"] == .array([]))
        #expect(back["fresh"] == .object(DataObject()))
    }

    @Test func nilIsNone() throws {
        let (result, text, _) = try transform("return nil")
        #expect(result == .none)
        #expect(text == Array("#".utf8))
    }

    @Test(arguments: [
        ("return { x = 0/0 }", "NaN"),
        ("return { x = 1/0 }", "infinity"),
        ("return { s = '\\255\\254' }", "bytes"),
        ("return { 1, 2 }", "array"),
        ("return 'text'", "string"),
        ("return { nested = { deep = -1/0 } }", "infinity"),
    ])
    func valuesWithoutJSONFormGoTheDataWay(_ body: String, _ what: String) throws {
        let (result, text, data) = try transform(body)
        // Nothing of the refused text is left behind.
        #expect(text == Array("#".utf8), "\(body)")
        guard case .data(let value) = result else {
            Issue.record("\(body): expected data, got \(result)")
            return
        }
        #expect(value.isIdentical(to: try #require(data)), "\(body) (\(what))")
    }

    @Test(arguments: [
        ("local t = { a = 1 } t.self = t return t", "cannot convert result.self: a table that contains itself (a cycle)"),
        ("return { 1, 2, x = 3 }", "cannot convert result: a table with both array items and named fields"),
        ("return { list = { [1] = 1, [3] = 3 } }", "cannot convert result.list: a sparse array (2 items, highest index 3)"),
        ("return { f = print }", "cannot convert result.f: cannot convert a function to data"),
        ("return { [true] = 1 }", "cannot convert result: a table key of type boolean (only strings and array indices convert)"),
    ])
    func brokenResultsFailAsTheDataWayDoes(_ body: String, _ message: String) throws {
        let function = try #require(try lua.run("return function(r) \(body) end").first?.functionValue)
        var text = JSONTextBuffer()
        let error = try #require(throws: LuaError.self) {
            try lua.callTransform(function, input: ["a": 1] as DataValue, text: &text)
        }
        #expect(error.kind == .conversion)
        #expect(error.message == message)
        #expect(text.count == 0)
    }

    @Test func aResultNestedToTheStateLimitGoesOutAsText() throws {
        // The text way goes as deep as the state's data depth (the reader shares it).
        let deep = try LuaState(LuaOptions(maxDataDepth: 400))
        let function = try #require(try deep.run("""
            return function(r) local t = { leaf = 1 } for _ = 1, 300 do t = { down = t } end return t end
            """).first?.functionValue)
        var text = JSONTextBuffer()
        let result = try deep.callTransform(function, input: ["a": 1] as DataValue, text: &text)
        guard case .text(let range) = result else {
            Issue.record("expected text, got \(result)")
            return
        }
        let value = try JSONReader(maxDepth: 400).read(text.bytes()[range])
        var leaf = value
        for _ in 0..<300 { leaf = leaf["down"] ?? .null }
        #expect(leaf == ["leaf": 1])
    }
}
