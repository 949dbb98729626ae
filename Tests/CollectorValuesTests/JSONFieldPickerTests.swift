import Foundation
import Testing

@testable import CollectorValues

@Suite("Picking fields of JSON text")
struct JSONFieldPickerTests {
    @Test func picksTopLevelFieldsAndNothingElse() throws {
        let text = Array(#"{"a":1,"tags":{"a":"inner","list":[1,{"b":2}]},"s":"x\n","b":2.5,"n":null}"#.utf8)[...]
        let picker = JSONFieldPicker(["b", "tags", "missing", "a", "s", "n"])
        let values = try picker.pick(from: text)
        #expect(values.count == 6)
        #expect(values[0]?.isIdentical(to: .double(2.5)) == true)  // not the nested "b"
        #expect(values[1] == ["a": "inner", "list": [1, ["b": 2]]])
        #expect(values[2] == nil)
        #expect(values[3] == .integer(1))  // not the nested "a"
        #expect(values[4] == .string("x\n"))
        #expect(values[5] == .null)
    }

    @Test func aRepeatedNameGetsTheSameValueAndTheLastDuplicateKeyWins() throws {
        let picker = JSONFieldPicker(["k", "k"])
        let values = try picker.pick(from: Array(#"{"k":1,"k":[2]}"#.utf8)[...])
        #expect(values == [.array([2]), .array([2])])
        #expect(try JSONReader().read(#"{"k":1,"k":[2]}"#)["k"] == .array([2]))  // as a full read says
    }

    static let compactTexts: [DataValue] = [
        ["k": 1, "a": "x"],
        ["a": "quote \" and \\ and } ] , inside", "k": ["nested": ["k": 2, "list": [1, "]", ["}": nil]]]], "z": true],
        ["k\"ey": 1, "k": .double(-1.5e-7), "other": [], "more": [:]],
        ["first": nil, "k": "last", "n": .integer(Int64.min)],
        ["a": ["k": 1]],
        [:],
        [1, 2],
        "k",
        ["line\nbreak": "k", "k": ["é", "✓"]],
        ["k": "", "a": .integer(999_999_999_999_999_999), "n": .integer(-1_000_000_000_000_000_000), "more": false],
        ["k": .integer(Int64.max), "a": true, "n": -7, "more": .double(2.5)],
        ["k": "plain é ✓", "a": nil, "n": 0, "more": .double(-0.0)],
    ]

    @Test(arguments: compactTexts)
    func compactTextIsPickedAsAFullReadPicksIt(_ value: DataValue) throws {
        let text = try JSONWriter().bytes(value)[...]
        let picker = JSONFieldPicker(["k", "a", "missing", "k\"ey", "n", "more"])
        let full = try picker.pick(from: text)
        let compact = picker.pick(fromCompact: text)
        #expect(compact.count == full.count)
        for (c, f) in zip(compact, full) {
            #expect(c.map { v in f.map { v.isIdentical(to: $0) } ?? false } ?? (f == nil), "\(c as Any) vs \(f as Any) in \(String(decoding: text, as: UTF8.self))")
        }
    }

    @Test func rangesIntoAReusedArrayMatchTheAllocatingOnes() throws {
        let picker = JSONFieldPicker(["k", "a", "missing", "n"])
        var scratch: [Range<Int>?] = []
        for value in Self.compactTexts {
            let text = try JSONWriter().bytes(value)
            let expected = picker.ranges(fromCompact: text[...])
            let filled = text.withUnsafeBufferPointer { picker.ranges(fromCompact: $0, into: &scratch) }
            #expect(filled == (expected != nil))
            if let expected { #expect(scratch == expected, "\(String(decoding: text, as: UTF8.self))") }
        }
        // Nothing of an earlier record stays behind.
        let bare = Array(#"{"other":1}"#.utf8)
        #expect(bare.withUnsafeBufferPointer { picker.ranges(fromCompact: $0, into: &scratch) })
        #expect(scratch == [nil, nil, nil, nil])
    }

    @Test func numbersOfCompactTextAreReadAsTheReaderReadsThem() throws {
        var literals = [
            "0", "-1", "7", "1.5", "-0.001", "20.73", "1e3", "1E+3", "2.5e-7", "-0.0", "123456.789", "0.30000000000000004",
            "1.7976931348623157e308", "-2.2250738585072014e-308", "5e-324", "9007199254740993", "9007199254740993.0",
            "9223372036854775807", "-9223372036854775808", "9223372036854775808", "18446744073709551616", "1.5e22",
            "1.5e23", "123456789012345678901234567890", "0.1e1", "100e-2", "4.35", "69.31",
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let digits = Int.random(in: 1...17, using: &generator)
            let mantissa = UInt64.random(in: 0..<UInt64(pow(10.0, Double(digits))), using: &generator)
            let scale = Int.random(in: 0...digits, using: &generator)
            var text = String(mantissa)
            if scale > 0 && scale < text.count { text.insert(".", at: text.index(text.endIndex, offsetBy: -scale)) }
            if Bool.random(using: &generator) { text += "e\(Int.random(in: -30...30, using: &generator))" }
            literals.append(Bool.random(using: &generator) ? "-" + text : text)
        }
        for literal in literals {
            let expected = try JSONReader().read(literal)
            let number = Array(literal.utf8).withUnsafeBufferPointer { JSONFieldPicker.number(ofCompact: $0) }
            #expect(number.map { $0.isIdentical(to: expected) } == true, "\(literal): \(number as Any) vs \(expected)")
        }
        for notANumber in [#""1""#, "true", "null", "[1]", "", "-", "1.", ".5", "1e"] {
            #expect(Array(notANumber.utf8).withUnsafeBufferPointer { JSONFieldPicker.number(ofCompact: $0) } == nil, "\(notANumber)")
        }
    }

    @Test(arguments: [#"[{"k":1}]"#, "3", #""k""#, "{}"])
    func aTextThatIsNotAnObjectWithTheFieldHasNone(_ text: String) throws {
        #expect(try JSONFieldPicker(["k"]).pick(from: Array(text.utf8)[...]) == [nil])
    }

    @Test(arguments: [#"{"k":1"#, "", #"{"k":01}"#, #"{"k":1} x"#])
    func invalidJSONThrowsAsAReadDoes(_ text: String) throws {
        let error = #expect(throws: JSONError.self) { try JSONFieldPicker(["k"]).pick(from: Array(text.utf8)[...]) }
        let read = #expect(throws: JSONError.self) { try JSONReader().read(text) }
        #expect(error?.kind == read?.kind)
    }
}

@Suite("Building JSON text piece by piece")
struct JSONTextBufferTests {
    @Test func piecesAreWrittenAsTheWriterWritesThem() throws {
        var buffer = JSONTextBuffer(capacity: 1)  // grows from the smallest size
        buffer.append(ascii: UInt8(ascii: "["))
        buffer.appendNull()
        buffer.append(ascii: UInt8(ascii: ","))
        buffer.append(bool: true)
        buffer.append(ascii: UInt8(ascii: ","))
        buffer.append(integer: Int64.min)
        buffer.append(ascii: UInt8(ascii: ","))
        let one = buffer.append(double: 1.0)
        buffer.append(ascii: UInt8(ascii: ","))
        let tiny = buffer.append(double: Double.leastNonzeroMagnitude)
        buffer.append(ascii: UInt8(ascii: ","))
        let string = "q\"b\\\u{1}\n é"
        let quoted = Array(string.utf8).withUnsafeBufferPointer { buffer.append(string: $0) }
        buffer.append(ascii: UInt8(ascii: "]"))
        #expect(one && tiny && quoted)
        let expected = try JSONWriter().bytes([nil, true, .integer(Int64.min), 1.0, .double(.leastNonzeroMagnitude), .string(string)])
        #expect(buffer.bytes() == expected)
    }

    @Test func piecesWithoutJSONFormAreRefusedAndLeaveNothing() {
        var buffer = JSONTextBuffer()
        buffer.append(ascii: UInt8(ascii: "["))
        let nan = buffer.append(double: .nan)
        let infinity = buffer.append(double: -.infinity)
        let invalid = [UInt8]([0x61, 0xff]).withUnsafeBufferPointer { buffer.append(string: $0) }
        #expect(!nan && !infinity && !invalid)
        #expect(buffer.bytes() == Array("[".utf8))
    }

    @Test func truncateUndoesToAnEarlierCount() {
        var buffer = JSONTextBuffer()
        buffer.append(integer: 12)
        let mark = buffer.count
        buffer.append(integer: 345)
        buffer.truncate(to: mark)
        buffer.append(integer: 6)
        #expect(buffer.bytes() == Array("126".utf8))
        #expect(buffer.bytes(from: 1) == Array("26".utf8))
    }
}
