import CollectorValues
import Testing

@Suite("UTF-8 validation")
struct UTF8ValidationTests {
    func check(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { UTF8Validation.isValid($0) }
    }

    @Test(arguments: [
        [], Array("plain ascii, longer than eight bytes".utf8), Array("héllo ✓ 𝄞".utf8), [0x00, 0x41],
        [0xEF, 0xBF, 0xBF], [0xF4, 0x8F, 0xBF, 0xBF], [0xED, 0x9F, 0xBF],
    ] as [[UInt8]])
    func acceptsValidUTF8(_ bytes: [UInt8]) {
        #expect(check(bytes))
        #expect(bytes.withUnsafeBufferPointer { UTF8Validation.string($0) } == String(decoding: bytes, as: UTF8.self))
    }

    @Test(arguments: [
        [0xFF], [0x80], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80],
        [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xE2, 0x82], Array("abcdefgh".utf8) + [0xC3],
        [0xC3, 0x41],
    ] as [[UInt8]])
    func rejectsInvalidUTF8(_ bytes: [UInt8]) {
        #expect(!check(bytes))
        #expect(bytes.withUnsafeBufferPointer { UTF8Validation.string($0) } == nil)
    }

    @Test func agreesWithTheStandardLibraryOnRandomBytes() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let count = Int.random(in: 0...12, using: &generator)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(check(bytes) == (String(validating: bytes, as: UTF8.self) != nil), "\(bytes)")
        }
    }
}
