import Testing

@testable import CollectorValues

/// Comparing compact JSON texts without decoding them agrees with decoding
/// them and comparing the values, or says it cannot tell.
@Suite("JSON text equality")
struct JSONTextEqualityTests {
    static func same(_ a: String, _ b: String) -> Bool? {
        JSONTextEquality.same(Array(a.utf8)[...], Array(b.utf8)[...])
    }

    @Test(arguments: [
        (#"{"a":1,"b":"x"}"#, #"{"b":"x","a":1}"#, true),
        (#"{"a":{"x":[1,2],"y":null},"b":true}"#, #"{"b":true,"a":{"y":null,"x":[1,2]}}"#, true),
        (#"{"a":1,"b":"x"}"#, #"{"a":1,"b":"y"}"#, false),
        (#"{"a":1}"#, #"{"a":1,"b":1}"#, false),
        (#"{"a":1}"#, #"{"b":1}"#, false),
        (#"[1,2]"#, #"[2,1]"#, false),
        (#"{"i":9007199254740993}"#, #"{"i":9007199254740992}"#, false),
        (#"{"s":"a\"},{b"}"#, #"{"s":"a\"},{b"}"#, true),
        (#"{"s":"a\"},{b","t":1}"#, #"{"t":1,"s":"a\"},{b"}"#, true),
        (#"{"e":[],"o":{}}"#, #"{"o":{},"e":[]}"#, true),
        (#"{"e":[]}"#, #"{"e":{}}"#, false),
        (#"{"n":null}"#, #"{"n":false}"#, false),
        (#""x""#, #""y""#, false),
    ])
    func answersWhatTheTextSays(a: String, b: String, expected: Bool) throws {
        #expect(Self.same(a, b) == expected)
        let decoded = try JSONReader().read(Array(a.utf8)[...]) == JSONReader().read(Array(b.utf8)[...])
        #expect(decoded == expected, "the decoder agrees")
    }

    @Test func numbersSpelledApartAndTextThatIsNotCompactAreLeftToTheDecoder() {
        #expect(Self.same(#"{"v":1}"#, #"{"v":1.0}"#) == nil)
        #expect(Self.same(#"{"v":-0.0}"#, #"{"v":0.0}"#) == nil)
        #expect(Self.same(#"{"v":50.0}"#, #"{"v":52.0}"#) == nil)
        #expect(Self.same(#"{"a": 1}"#, #"{"a":1}"#) == nil)
        #expect(Self.same(#"{"a":1"#, #"{"a":2}"#) == nil)
        #expect(Self.same(#"{"a":1}x"#, #"{"a":1}"#) == nil)
        let wide = "{" + (0..<100).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}"
        let reversed = "{" + (0..<100).reversed().map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}"
        #expect(Self.same(wide, reversed) == nil, "a very large object")
        #expect(Self.same(wide, wide) == true, "equal bytes need no scan")
    }
}
