import Testing

@testable import CollectorValues

/// Keys compare byte for byte on the native path, as they do in Lua and in
/// JSON: canonically equivalent spellings are different keys.
@Suite("Record keys, byte for byte")
struct FieldKeyTests {
    static let composed = "\u{E9}"  // é, one code point
    static let decomposed = "e\u{301}"  // e + combining acute accent

    @Test func canonicallyEquivalentKeysStayTwoFields() throws {
        #expect(Self.composed == Self.decomposed, "Swift's String == is canonical equivalence")
        #expect(!FieldKey.same(Self.composed, Self.decomposed))
        var object = DataObject()
        object[Self.composed] = 1
        object[Self.decomposed] = 2
        #expect(object.count == 2)
        #expect(object[Self.composed] == 1 && object[Self.decomposed] == 2)
        #expect(object != DataObject([(Self.composed, DataValue.integer(1)), (Self.composed, DataValue.integer(2))]))
    }

    @Test func theReaderKeepsBothSpellingsAndStillMergesRealDuplicates() throws {
        let text = #"{"\#(Self.composed)":1,"\#(Self.decomposed)":2,"\#(Self.composed)":3}"#
        guard case .object(let object) = try JSONReader().read(text) else {
            Issue.record("expected an object")
            return
        }
        #expect(object.fieldNames.map { Array($0.utf8) } == [Array(Self.composed.utf8), Array(Self.decomposed.utf8)])
        #expect(object[Self.composed] == 3 && object[Self.decomposed] == 2)
        #expect(try JSONWriter().string(.object(object)) == #"{"\#(Self.composed)":3,"\#(Self.decomposed)":2}"#)
    }

    @Test func largeObjectsUseTheSameComparison() throws {
        // Past a couple of dozen members the reader indexes keys in a dictionary.
        var members = (0..<40).map { #""k\#($0)":\#($0)"# }
        members += [#""\#(Self.composed)":1"#, #""\#(Self.decomposed)":2"#, #""k3":-3"#]
        guard case .object(let object) = try JSONReader().read("{" + members.joined(separator: ",") + "}") else {
            Issue.record("expected an object")
            return
        }
        #expect(object.count == 42)
        #expect(object[Self.composed] == 1 && object[Self.decomposed] == 2 && object["k3"] == -3)
    }

    @Test func oneNestingLimitForReadingAndWriting() throws {
        func nested(_ levels: Int) -> String { String(repeating: "[", count: levels) + String(repeating: "]", count: levels) }
        let limit = DataNesting.maxDepth
        let deepest = try JSONReader().read(nested(limit))
        #expect(try JSONWriter().string(deepest) == nested(limit))
        let error = try #require(throws: JSONError.self) { try JSONReader().read(nested(limit + 1)) }
        #expect(error.kind == .depthLimitExceeded)
        #expect(throws: JSONError.self) { try JSONWriter().string(.array([deepest])) }
    }

    @Test func anErrorCanBeLocatedInTheFileItCameFrom() throws {
        let error = try #require(throws: JSONError.self) { try JSONReader().read("[1,]") }
        #expect(error.description == "unexpected character ',' at byte 2 (line 1, column 3): trailing comma in array")
        let located = error.located(atLine: 7)
        #expect(located.line == 7 && located.column == 3 && located.offset == nil)
        #expect(located.description == "unexpected character ',' at line 7, column 3: trailing comma in array")
    }
}
