/// UTF-8 checks for the hot path: specialized to byte buffers, so they cost
/// no generic dispatch (`String(validating:as:)` does, on every call).
public enum UTF8Validation {
    /// The bytes as a String if they are valid UTF-8 (RFC 3629: no
    /// surrogates, no overlong forms, nothing above U+10FFFF), else nil.
    @inlinable
    public static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard isValid(bytes) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    @inlinable
    public static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = bytes.count
        var i = 0
        guard let base = bytes.baseAddress else { return true }
        // ASCII, eight bytes at a time.
        while i + 8 <= count {
            let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            if word & 0x8080_8080_8080_8080 != 0 { break }
            i += 8
        }
        while i < count {
            if base[i] < 0x80 {
                i += 1
                continue
            }
            guard let length = sequenceLength(base, at: i, end: count) else { return false }
            i += length
        }
        return true
    }

    /// Where bytes that are not valid UTF-8 go wrong, for messages:
    /// `invalid UTF-8 byte 0xFF at byte 4` (offsets from 0); nil when valid.
    public static func problem(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard let base = bytes.baseAddress else { return nil }
        var i = 0
        while i < bytes.count {
            guard let length = sequenceLength(base, at: i, end: bytes.count) else {
                let hex = String(base[i], radix: 16, uppercase: true)
                return "invalid UTF-8 byte 0x\(hex.count < 2 ? "0" + hex : hex) at byte \(i)"
            }
            i += length
        }
        return nil
    }

    public static func problem(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { problem($0) }
    }

    /// The length of the valid UTF-8 sequence starting at `base[p]` (before
    /// `end`), or nil when it is not one (RFC 3629: no overlong forms, no
    /// surrogates, nothing above U+10FFFF).
    @inlinable
    public static func sequenceLength(_ base: UnsafePointer<UInt8>, at p: Int, end: Int) -> Int? {
        let byte = base[p]
        if byte < 0x80 { return 1 }
        let length: Int
        var lower: UInt8 = 0x80
        var upper: UInt8 = 0xBF
        switch byte {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upper = 0x9F  // no surrogates
        case 0xF0: length = 4; lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upper = 0x8F  // nothing above U+10FFFF
        default: return nil
        }
        guard p + length <= end else { return nil }
        let second = base[p + 1]
        guard second >= lower && second <= upper else { return nil }
        var k = 2
        while k < length {
            guard base[p + k] & 0xC0 == 0x80 else { return nil }
            k += 1
        }
        return length
    }
}
