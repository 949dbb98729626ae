import CollectorValues
import Testing

/// The error `JSONWriter` throws for `value`, or nil when it writes it.
func writeFailure(_ value: DataValue, _ writer: JSONWriter = JSONWriter()) -> JSONError? {
    do {
        _ = try writer.string(value)
        return nil
    } catch {
        return error
    }
}

/// Random values JSON can hold: no NaN or infinities, no `.bytes`.
struct RandomValues {
    var generator = SystemRandomNumberGenerator()

    mutating func value(depth: Int = 0) -> DataValue {
        switch Int.random(in: 0..<(depth >= 4 ? 6 : 8), using: &generator) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2:
            return Bool.random(using: &generator)
                ? .integer(Int64.random(in: .min ... .max, using: &generator))
                : .integer(Int64.random(in: -1000...1000, using: &generator))
        case 3: return .double(double())
        case 4, 5: return .string(string())
        case 6:
            return .array((0..<Int.random(in: 0...5, using: &generator)).map { _ in value(depth: depth + 1) })
        default:
            var object = DataObject()
            for _ in 0..<Int.random(in: 0...5, using: &generator) { object[string()] = value(depth: depth + 1) }
            return .object(object)
        }
    }

    mutating func double() -> Double {
        switch Int.random(in: 0..<5, using: &generator) {
        case 0:
            var double: Double
            repeat {
                double = Double(bitPattern: UInt64.random(in: 0 ... .max, using: &generator))
            } while !double.isFinite
            return double
        case 1: return Double(Int.random(in: -100_000...100_000, using: &generator)) / 100  // like 20.73
        case 2: return Double(Int.random(in: -1000...1000, using: &generator))  // integral: 3.0
        case 3: return [0.0, -0.0, .leastNonzeroMagnitude, -.greatestFiniteMagnitude, 1e20, 1e-7, 0.1][
                Int.random(in: 0..<7, using: &generator)]
        default: return Double.random(in: -1e6...1e6, using: &generator)
        }
    }

    mutating func string() -> String {
        let pool: [Unicode.Scalar] = [
            "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{0}", "\u{1}", "\u{1F}", "\u{7F}", "é", "€",
            "\u{2028}", "\u{FFFF}", "𝄞", "😀", "\u{10FFFF}",
        ]
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...12, using: &generator) {
            if Bool.random(using: &generator) {
                scalars.append(pool.randomElement(using: &generator)!)
            } else {
                scalars.append(Unicode.Scalar(UInt8.random(in: 0x20...0x7E, using: &generator)))
            }
        }
        return String(scalars)
    }
}

@Suite("JSONWriter")
struct JSONWriterTests {
    let writer = JSONWriter()

    @Test func writesCompactJSON() throws {
        let value: DataValue = ["a": [1, 2.5, "x", nil, true, false], "b": [:], "c": [], "d": ["e": [[]]]]
        #expect(try writer.string(value) == #"{"a":[1,2.5,"x",null,true,false],"b":{},"c":[],"d":{"e":[[]]}}"#)
        #expect(try writer.string(nil) == "null")
        #expect(try writer.string("top") == #""top""#)
        #expect(try writer.bytes(value) == Array(try writer.string(value).utf8))
    }

    @Test func keepsKeyOrder() throws {
        let value: DataValue = ["z": 1, "a": 2, "m": ["y": 1, "b": 2]]
        #expect(try writer.string(value) == #"{"z":1,"a":2,"m":{"y":1,"b":2}}"#)
    }

    @Test(arguments: [
        (0, "0"), (7, "7"), (-7, "-7"), (10, "10"), (-10, "-10"), (1_764_288_000_009, "1764288000009"),
        (9_007_199_254_740_993, "9007199254740993"),
        (Int64.max, "9223372036854775807"), (Int64.min, "-9223372036854775808"),
    ] as [(Int64, String)])
    func integersAreExact(_ integer: Int64, _ text: String) throws {
        #expect(try writer.string(.integer(integer)) == text)
        #expect(try JSONReader().read(text) == .integer(integer))
    }

    @Test(arguments: [
        (1.0, "1.0"), (-0.0, "-0.0"), (0.0, "0.0"), (0.1, "0.1"), (20.73, "20.73"), (-3.0, "-3.0"),
        (1e20, "1e+20"), (1e16, "1e+16"), (1e-7, "1e-07"), (123.456, "123.456"),
        (Double.leastNonzeroMagnitude, "5e-324"), (Double.greatestFiniteMagnitude, "1.7976931348623157e+308"),
        (9_007_199_254_740_992.0, "9007199254740992.0"), (0.1 + 0.2, "0.30000000000000004"),
    ] as [(Double, String)])
    func doublesAreShortestAndStayDoubles(_ double: Double, _ text: String) throws {
        #expect(try writer.string(.double(double)) == text)
        #expect(try JSONReader().read(text).isIdentical(to: .double(double)))
    }

    /// Short decimals are written without `description`; the text must be
    /// the same as its, whatever the double: around the edges of that path
    /// (0.001, 2^50, six decimals), values made from decimals, and random bits.
    @Test func doublesAreWrittenAsDescriptionWritesThem() throws {
        var generator = SystemRandomNumberGenerator()
        var doubles: [Double] = [
            0.001, 0.000999, 0.0015, 0x1p50, 0x1p50 - 1, 0x1p50 - 0.5, 0x1p50 + 2, 1e15, 123_456.789012,
            1.234567, 1.2345678, 0.999999, 0.9999999, 9.999999999999998, 68.9, 100.0, 1125899906842623.9,
        ]
        for _ in 0..<20_000 {
            let decimals = Int.random(in: 0...8, using: &generator)
            var power = 1.0
            for _ in 0..<decimals { power *= 10 }
            let mantissa = Double(Int64.random(in: -(1 << 53)...(1 << 53), using: &generator) >> Int.random(in: 0...50, using: &generator))
            doubles.append(mantissa / power)
            doubles.append(Double.random(in: -2e15...2e15, using: &generator))
            doubles.append(Double.random(in: -1...1, using: &generator))
            let bits = Double(bitPattern: UInt64.random(in: 0 ... .max, using: &generator))
            if bits.isFinite { doubles.append(bits) }
        }
        for double in doubles + doubles.map(-) {
            let text = try writer.string(.double(double))
            #expect(text == double.description, "\(double.description)")
            var buffer = JSONTextBuffer()
            let written = buffer.append(double: double)
            #expect(written)
            #expect(String(decoding: buffer.bytes(), as: UTF8.self) == double.description)
        }
    }

    @Test func stringsEscapeOnlyWhatJSONRequires() throws {
        let string = "q\" b\\ n\n t\t r\r b\u{8} f\u{C} nul\u{0} one\u{1} us\u{1F} / é 😀 del\u{7F} \u{2028}"
        let expected = #""q\" b\\ n\n t\t r\r b\b f\f nul\u0000 one\u0001 us\u001f / é 😀 del"#
            + "\u{7F} \u{2028}\""
        #expect(try writer.string(.string(string)) == expected)
        #expect(try writer.string(["k\"ey\n": 1]) == #"{"k\"ey\n":1}"#)
        #expect(try JSONReader().read(expected) == .string(string))
        #expect(try writer.string("") == #""""#)
    }

    @Test func everyControlCharacterIsEscaped() throws {
        for byte in 0..<0x20 {
            let text = try writer.string(.string(String(UnicodeScalar(UInt8(byte)))))
            #expect(text.utf8.allSatisfy { $0 >= 0x20 }, "\(byte)")
            #expect(try JSONReader().read(text) == .string(String(UnicodeScalar(UInt8(byte)))))
        }
    }

    // MARK: Errors

    @Test func nanAndInfinitiesNameTheirPath() throws {
        let nan = try #require(writeFailure(["reading": ["value": .double(.nan)]]))
        #expect(nan.kind == .nonFiniteNumber)
        #expect(nan.path == "$.reading.value")
        #expect(nan.offset == nil)
        #expect(nan.description == "cannot encode NaN at $.reading.value")

        let infinity = try #require(writeFailure(["tags": [1, 2, 3, ["name": .double(.infinity)]]]))
        #expect(infinity.description == "cannot encode infinity at $.tags[3].name")

        let negative = try #require(writeFailure([.double(-.infinity)]))
        #expect(negative.description == "cannot encode -infinity at $[0]")

        #expect(writeFailure(.double(.nan))?.path == "$")
        #expect(writeFailure(.double(.signalingNaN))?.kind == .nonFiniteNumber)
    }

    @Test func bytesCannotBeJSON() throws {
        let error = try #require(writeFailure(["ok": "fine", "raw": .bytes([0xFF, 0x41])]))
        #expect(error.kind == .invalidString)
        #expect(error.description == "cannot encode a string that is not valid UTF-8 at $.raw")
    }

    @Test func pathsQuoteKeysThatAreNotIdentifiers() throws {
        let nan = DataValue.double(.nan)
        #expect(writeFailure(["a b": ["ü": [nan]]])?.path == #"$["a b"]["ü"][0]"#)
        #expect(writeFailure(["say \"hi\"": nan])?.path == #"$["say \"hi\""]"#)
        #expect(writeFailure(["1a": nan])?.path == #"$["1a"]"#)
        #expect(writeFailure(["": nan])?.path == #"$[""]"#)
        #expect(writeFailure(["_ok9": [[nan]]])?.path == "$._ok9[0][0]")
    }

    @Test func aFailedWriteLeavesTheBufferAsItWas() throws {
        var buffer = Array("prefix,".utf8)
        #expect(throws: JSONError.self) {
            try writer.write(["a": [1, 2, ["b": .double(.nan)]]], into: &buffer)
        }
        #expect(buffer == Array("prefix,".utf8))
        try writer.write(["a": 1], into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == #"prefix,{"a":1}"#)
    }

    @Test func depthIsLimited() throws {
        #expect(writeFailure([[1]], JSONWriter(maxDepth: 2)) == nil)
        let error = try #require(writeFailure([[[1]]], JSONWriter(maxDepth: 2)))
        #expect(error.kind == .depthLimitExceeded)
        #expect(error.path == "$[0][0]")
        #expect(writeFailure([[[]]], JSONWriter(maxDepth: 2))?.kind == .depthLimitExceeded)
        #expect(writeFailure(1, JSONWriter(maxDepth: 0)) == nil)

        var deep: DataValue = 1
        for _ in 0..<512 { deep = [deep] }
        #expect(writeFailure(deep) == nil)
        #expect(writeFailure([deep])?.kind == .depthLimitExceeded)
    }

    // MARK: Options

    @Test func sortedKeysSortByUTF8Bytes() throws {
        let value: DataValue = ["b": 1, "a": ["d": 1, "c": 2], "é": 3, "Z": 4, "aa": [["y": 1, "x": 2]]]
        #expect(try JSONWriter(sortedKeys: true).string(value)
            == #"{"Z":4,"a":{"c":2,"d":1},"aa":[{"x":2,"y":1}],"b":1,"é":3}"#)
    }

    @Test func prettyIndentsByTwoSpaces() throws {
        let value: DataValue = ["a": [1, [:], [], ["x": "y"]], "b": ["c": nil], "d": 1.5]
        let expected = """
            {
              "a": [
                1,
                {},
                [],
                {
                  "x": "y"
                }
              ],
              "b": {
                "c": null
              },
              "d": 1.5
            }
            """
        #expect(try JSONWriter(pretty: true).string(value) == expected)
        #expect(try JSONWriter(pretty: true).string(7) == "7")
        #expect(try JSONWriter(pretty: true).string([]) == "[]")
        #expect(try JSONReader().read(expected) == value)
    }

    // MARK: Round trips

    @Test func randomValuesRoundTrip() throws {
        var values = RandomValues()
        let reader = JSONReader()
        let pretty = JSONWriter(pretty: true)
        for _ in 0..<3_000 {
            let value = values.value()
            let compact = try writer.bytes(value)
            #expect(try reader.read(compact).isIdentical(to: value), "\(value)")
            #expect(try reader.read(try pretty.bytes(value)).isIdentical(to: value), "\(value)")
            // Writing is deterministic: the same value, the same bytes.
            #expect(try writer.bytes(try reader.read(compact)) == compact)
        }
    }

    @Test(arguments: acceptedCases)
    func acceptedInputsRoundTrip(_ test: AcceptedCase) throws {
        let reader = JSONReader()
        let value = try reader.read(test.json)
        let written = try writer.string(value)
        #expect(try reader.read(written).isIdentical(to: value), "\(written)")
    }

    @Test func theCanonicalRecordIsWrittenBackByteForByte() throws {
        let line = #"{"sensor_id":"s-0593","value":20.73,"unit":"RH","ts":1764288000009,"site":"plant-8","tags":{"line":"c","shift":1}}"#
        let value = try JSONReader().read(line)
        #expect(try writer.string(value) == line)
        #expect(value["value"] == .double(20.73))
        #expect(value["ts"] == .integer(1_764_288_000_009))
    }

    @Test func extremesRoundTrip() throws {
        let value: DataValue = [
            "max": .integer(.max), "min": .integer(.min), "2^53+1": .integer(9_007_199_254_740_993),
            "one": .double(1.0), "negativeZero": .double(-0.0), "tiny": .double(.leastNonzeroMagnitude),
            "huge": .double(.greatestFiniteMagnitude), "nul": "a\u{0}b", "astral": "𝄞😀",
        ]
        let text = try writer.string(value)
        #expect(try JSONReader().read(text).isIdentical(to: value), "\(text)")
    }
}
