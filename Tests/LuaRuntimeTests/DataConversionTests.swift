import CollectorValues
import Testing

@testable import LuaRuntime

@Suite("Type-faithful data conversion")
struct DataConversionTests {
    let lua: LuaState
    let identity: LuaFunction

    init() throws {
        lua = try LuaState()
        identity = try #require(try lua.run("return function(x) return x end").first?.functionValue)
    }

    func roundTrip(_ value: DataValue) throws -> DataValue? {
        try lua.callTransform(identity, value)
    }

    @Test(arguments: [
        DataValue.integer(0), .integer(Int64.max), .integer(Int64.min), .integer(9_007_199_254_740_993),
        .double(1.0), .double(-0.0), .double(.infinity), .double(-.infinity), .double(.nan),
        .double(.leastNonzeroMagnitude), .bool(true), .bool(false), .null,
        .string(""), .string("héllo wörld ✓"), .string("nul\u{0}inside"),
        .bytes([0xff, 0xfe, 0x00, 0x41]), .bytes([0xc3]),
        .array([]), .object(DataObject()), .array([1, 2.0, "x", nil, [], [:]]),
    ])
    func valuesSurviveARoundTrip(_ value: DataValue) throws {
        let back = try #require(try roundTrip(value))
        #expect(back.isIdentical(to: value), "\(value) came back as \(back)")
    }

    @Test func integersStayIntegersAndFloatsStayFloats() throws {
        let inspect = try #require(try lua.run("return function(r) return math.type(r.i) .. ',' .. math.type(r.f) end").first?.functionValue)
        let record: DataValue = ["i": 1, "f": 1.0]
        #expect(try lua.call(inspect, record, returning: String.self) == "integer,float")
        let back = try #require(try roundTrip(record))
        #expect(back["i"] == .integer(1))
        #expect(back["f"]?.isIdentical(to: .double(1.0)) == true)
    }

    @Test func theIntegerBoundsStayIntegersAndTwoToThe63IsAFloat() throws {
        // 2^63 is one past math.maxinteger: as a float it has no Int64 form and must not wrap.
        let twoTo63 = 9.223372036854775808e18
        let values = try lua.run("return math.maxinteger, math.mininteger, 2^63, math.maxinteger + 1.0, -2^63, math.mininteger + 0.0")
        try #require(values.count == 6)
        #expect(values[0].integerValue == Int64.max)
        #expect(values[1].integerValue == Int64.min)
        for value in values[2...3] {
            guard case .number(let number) = value else { Issue.record("expected a float, got \(value)"); continue }
            #expect(number == twoTo63)
        }
        for value in values[4...5] {
            guard case .number(let number) = value else { Issue.record("expected a float, got \(value)"); continue }
            #expect(number == -twoTo63)
        }

        let record = try lua.data(try lua.run("""
            return { max = math.maxinteger, min = math.mininteger, big = 2^63, bigSum = math.maxinteger + 1.0,
                     negative = -2^63, negativeSum = math.mininteger + 0.0 }
            """)[0])
        #expect(record["max"]?.isIdentical(to: .integer(Int64.max)) == true)
        #expect(record["min"]?.isIdentical(to: .integer(Int64.min)) == true)
        #expect(record["big"]?.isIdentical(to: .double(twoTo63)) == true, "\(String(describing: record["big"]))")
        #expect(record["bigSum"]?.isIdentical(to: .double(twoTo63)) == true, "\(String(describing: record["bigSum"]))")
        #expect(record["negative"]?.isIdentical(to: .double(-twoTo63)) == true, "\(String(describing: record["negative"]))")
        #expect(record["negativeSum"]?.isIdentical(to: .double(-twoTo63)) == true, "\(String(describing: record["negativeSum"]))")
    }

    @Test func nestedRecordKeepsItsShape() throws {
        let record: DataValue = [
            "sensor_id": "s-0593", "value": 20.73, "unit": "RH", "ts": 1_764_288_000_009,
            "site": "plant-8", "tags": ["line": "c", "shift": 1], "list": [1, [2, [3]]], "none": nil,
        ]
        let back = try #require(try roundTrip(record))
        // Lua tables do not keep key order: compare with keys sorted.
        #expect(back.sortingKeys().isIdentical(to: record.sortingKeys()), "\(back)")
    }

    @Test func nullIsAValueNotAMissingKey() throws {
        let check = try #require(try lua.run("return function(r) return r.gone == null, r.gone ~= nil end").first?.functionValue)
        let results = try lua.call(check, DataValue.object(["gone": nil]))
        #expect(results.map(\.booleanValue) == [true, true])
        #expect(try lua.run("return tostring(null)").first?.stringValue == "null")
    }

    @Test func emptyTablesFollowTheirMarkerOrTheDefault() throws {
        let make = try #require(try lua.run("""
            return function(r) r.fresh = {} r.emptied = r.items; table.remove(r.emptied) return r end
            """).first?.functionValue)
        let back = try #require(try lua.callTransform(make, ["items": [1]]))
        #expect(back["emptied"] == .array([]))  // it was an array: the marker travels with it
        #expect(back["fresh"] == .object(DataObject()))  // unmarked: the default kind
        let arrays = try LuaState(LuaOptions(emptyTable: .array))
        #expect(try arrays.data(try arrays.run("return {}")[0]) == .array([]))
    }

    @Test func bigStringsCrossIntact() throws {
        let big = String(repeating: "0123456789", count: 1_000_000)  // 10 MB
        let length = try #require(try lua.run("return function(s) return #s end").first?.functionValue)
        #expect(try lua.call(length, big, returning: Int64.self) == 10_000_000)
        #expect(try roundTrip(.string(big)) == .string(big))
    }

    @Test func luaStringsWithNulAndInvalidUTF8ReachSwiftAsBytes() throws {
        let values = try lua.run(#"return "a\0b", "\xff\xfe", "ok""#)
        #expect(values[0].stringValue == "a\u{0}b")
        guard case .bytes(let bytes) = values[1] else { Issue.record("expected bytes, got \(values[1])"); return }
        #expect(bytes == [0xff, 0xfe])
        #expect(try lua.data(values[1]) == .bytes([0xff, 0xfe]))
    }

    @Test(arguments: [
        ("return {1, 2, nil, 4}", "cannot convert record: a sparse array (3 items, highest index 4)"),
        ("return {1, 2, x = 3}", "cannot convert record: a table with both array items and named fields"),
        ("return {tags = {1, 2, function() end}}", "cannot convert record.tags[3]: cannot convert a function to data"),
        ("return {a = {['my key'] = {[true] = 1}}}", #"cannot convert record.a["my key"]: a table key of type boolean (only strings and array indices convert)"#),
        ("local t = {} t.self = t return {t}", "cannot convert record[1].self: a table that contains itself (a cycle)"),
        ("return {[0] = 'zero'}", "cannot convert record: an array index 0 (arrays start at 1)"),
        ("return {x = coroutine.create(print)}", "cannot convert record.x: cannot convert a thread to data"),
    ])
    func unconvertibleTablesNameThePath(_ source: String, _ message: String) throws {
        let value = try lua.run(source)[0]
        let error = try #require(throws: LuaError.self) { try lua.data(value, root: "record") }
        #expect(error.kind == .conversion)
        #expect(error.message == message)
        #expect(try lua.run("return 1 + 1").first?.integerValue == 2)  // the state is fine
    }

    @Test func deepTablesAreAnErrorNotACrash() throws {
        let deep = try lua.run("local t = {} local c = t for i = 1, 10000 do c.next = {} c = c.next end return t")[0]
        let error = try #require(throws: LuaError.self) { try lua.data(deep) }
        #expect(error.message.contains("nested deeper than \(DataNesting.maxDepth) levels"))

        var value: DataValue = 1
        for _ in 0..<10_000 { value = .array([value]) }
        let pushError = try #require(throws: LuaError.self) { try lua.table(value) }
        #expect(pushError.message.contains("deeper than"))
        // Neither failure left the state unusable.
        #expect(try lua.run("return 1").first?.integerValue == 1)
        #expect(try roundTrip(["a": [1, [2]]]) == ["a": [1, [2]]])
    }

    @Test func resultsOfTheWrongShapeAreConversionErrors() throws {
        let bad = try #require(try lua.run("return function(r) r.f = print return r end").first?.functionValue)
        let error = try #require(throws: LuaError.self) { try lua.callTransform(bad, ["a": 1]) }
        #expect(error.kind == .conversion)
        #expect(error.message == "cannot convert result.f: cannot convert a function to data")
    }
}

extension DataValue {
    /// The same value with every object's keys in sorted order.
    func sortingKeys() -> DataValue {
        switch self {
        case .array(let items): .array(items.map { $0.sortingKeys() })
        case .object(let object):
            .object(DataObject(object.sorted { $0.key < $1.key }.map { ($0.key, $0.value.sortingKeys()) }))
        default: self
        }
    }
}
